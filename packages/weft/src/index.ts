/**
 * Weft: rayon-style parallelism for JavaScript.
 *
 * ```ts
 * import { parallelMap } from 'weftjs';
 * const squares = await parallelMap([1, 2, 3], (x) => x * x);
 * ```
 *
 * @module
 */
import './wiring.js';

export { parallelMap } from './pool/parallel-map.js';
export type { MapFn, ParallelMapOptions } from './pool/parallel-map.js';
export { par } from './par/par.js';
export type { ParIter, ParOptions } from './par/par.js';
export { parallelStream } from './stream/parallel-stream.js';
export type { ParallelStream, ParallelStreamOptions } from './stream/parallel-stream.js';
export { parallelSort } from './sort/parallel-sort.js';
export type { ParallelSortOptions, SortCompare, SortableTypedArray, TypedArrayElement } from './sort/parallel-sort.js';
export { Pool } from './pool/pool.js';
export type { PoolOptions, RunOptions, PoolMapOptions, ArgsBeforeSignal } from './pool/pool.js';
export type { PoolStats, DurationSummary } from './pool/pool-stats.js';
export { fork, join, scope } from './pool/fork.js';
export type { ForkHandle, Scope, Call } from './pool/fork.js';
export { Mutex } from './sync/mutex.js';
export type { LockOptions } from './sync/mutex.js';
export { MutexGuard } from './sync/mutex-guard.js';
export { RwLock } from './sync/rw-lock.js';
export { RwLockGuard } from './sync/rw-lock-guard.js';
export { Condition } from './sync/condition.js';
export { Semaphore } from './sync/semaphore.js';
export { SemaphorePermit } from './sync/semaphore-permit.js';
export { Barrier } from './sync/barrier.js';
export { AtomicInt32, type AtomicWaitResult } from './sync/atomic-int32.js';
export { AtomicUint32 } from './sync/atomic-uint32.js';
export { AtomicBigInt64 } from './sync/atomic-big-int64.js';
export { AtomicBool } from './sync/atomic-bool.js';
export { AtomicFloat64 } from './sync/atomic-float64.js';
export type { TimeoutOptions } from './sync/futex.js';
export { currentThreadId } from './sync/thread-id.js';
export { markThreadDead } from './sync/dead-threads.js';
export { Channel } from './channel/channel.js';
export type { ChannelOptions, TryReceiveResult } from './channel/channel.js';
export { select } from './channel/select.js';
export type { SelectOptions, SelectResult, ReceivedValue } from './channel/select.js';
export type { ReceiveCase, SendCase, SelectCase } from './channel/select-case.js';
export { defineTask, fromModule } from './task/define-task.js';
export { registerErrorClass } from './codec/error-codec.js';
export { transfer } from './memory/transfer.js';
export {
  WeftError,
  TaskError,
  WorkerExitError,
  AbortError,
  BackendUnavailableError,
  PoolClosedError,
  PoisonError,
  TimeoutError,
  LockOwnershipError,
  QueueFullError,
  TaskTimeoutError,
  ChannelClosedError,
} from './errors.js';
export type { WeftErrorCode } from './errors.js';
export type { BackendKind, ResourceLimits } from './backend/backend.js';
export type { BackendChoice } from './backend/select-backend.js';
