/**
 * Weft: rayon-style parallelism for JavaScript.
 *
 * ```ts
 * import { parallelMap } from 'weft';
 * const squares = await parallelMap([1, 2, 3], (x) => x * x);
 * ```
 *
 * @module
 */
import './memory/builtin-shareables.js';

export { parallelMap } from './map/parallel-map.js';
export type { MapFn, ParallelMapOptions } from './map/parallel-map.js';
export { defineTask, fromModule } from './task/define-task.js';
export { registerErrorClass } from './codec/error-codec.js';
export {
  WeftError,
  TaskError,
  WorkerExitError,
  AbortError,
  BackendUnavailableError,
  PoolClosedError,
} from './errors.js';
export type { WeftErrorCode } from './errors.js';
export type { BackendKind } from './backend/backend.js';
