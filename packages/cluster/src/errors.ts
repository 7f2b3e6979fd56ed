/**
 * The errors the cluster raises for its own reasons (bad arguments are
 * `TypeError`/`RangeError` at the call; a task's own failure is Weft's
 * `TaskError`).
 *
 * @module
 */
import { registerErrorClass } from 'weftjs';

/**
 * The stable codes of {@link ClusterError}.
 *
 * @example
 * ```ts
 * const retryable = (code: ClusterErrorCode) => code === 'WEFT_CLUSTER_CONNECTION';
 * ```
 */
export type ClusterErrorCode =
  /** A worker could not find the task's module or export under its `--root`. */
  | 'WEFT_CLUSTER_TASK_NOT_FOUND'
  /** A worker refused a job: its signature did not verify (different keys?). */
  | 'WEFT_CLUSTER_REFUSED'
  /** BullMQ failed a job (it stalled more often than allowed, or a worker could not run it). */
  | 'WEFT_CLUSTER_JOB_FAILED'
  /** Redis stayed unreachable for longer than `connectionTimeout`. */
  | 'WEFT_CLUSTER_CONNECTION';

/**
 * A cluster call failed for a reason other than the task throwing: a
 * missing module on a worker, a refused job, a failed job, or Redis out of
 * reach. `machine` names the worker (host and process id) when one is known.
 *
 * @example
 * ```ts
 * import { ClusterError } from 'weftjs-cluster';
 * try {
 *   await cluster.map(files, resize);
 * } catch (err) {
 *   if (err instanceof ClusterError && err.code === 'WEFT_CLUSTER_TASK_NOT_FOUND') console.error(err.message);
 * }
 * ```
 */
export class ClusterError extends Error {
  /** A stable, machine-readable code. */
  readonly code: ClusterErrorCode;
  /** The worker that reported it (`host:pid`), when one did. */
  readonly machine: string | undefined;

  constructor(code: ClusterErrorCode, message: string, options: { cause?: unknown; machine?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClusterError';
    this.code = code;
    this.machine = options.machine;
  }
}

// Workers send ClusterErrors back through Weft's error codec: rebuild them as this class (by prototype; the
// constructor is not called, so its signature does not matter).
registerErrorClass(ClusterError as unknown as new (message?: string) => Error, 'ClusterError');
