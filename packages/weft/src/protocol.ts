/**
 * The wire protocol between the caller and its workers: every message that
 * crosses a backend is one of these types, told apart by `type`.
 *
 * Messages are for rare events (start-up, a job's description, result
 * batches, errors). The hot path of a job (which worker takes which chunk,
 * when to stop) lives in shared memory: see `map/README.md`.
 *
 * @module
 */
import type { SerializedValue } from './codec/error-codec.js';

/**
 * How the worker must compile the source to get the function back.
 * `'expression'`: evaluate `(${source})`. `'method'`: evaluate `({${source}})`
 * and take its only property's value (method shorthand such as `m(x) { ... }`).
 *
 * @example
 * ```ts
 * const form: CompileForm = 'method'; // compiled as `({ m(x) { return x } }).m`
 * ```
 */
export type CompileForm = 'expression' | 'method';

/** Sizes of one scheduler's memory. */
export interface SchedulerSizes {
  readonly workers: number;
  readonly slots: number;
  readonly payloadBytes: number;
  readonly dequeCapacity: number;
  readonly functions: number;
  readonly functionBytes: number;
}

/** Per-slot functions, arguments and outcomes, shared by identity. */
export interface IdentityHeap {
  readonly fns: unknown[];
  readonly args: (readonly unknown[] | undefined)[];
  readonly results: unknown[];
}

/** One numbered buffer, as `buffers` and `init` messages carry it. */
export interface BufferEntry {
  readonly id: number;
  readonly buffer: SharedArrayBuffer;
}

/** How a worker finds the function to run. */
export type FunctionRef =
  /** Source text of a function that captures nothing; compiled once per worker. */
  | { readonly kind: 'source'; readonly source: string; readonly form: CompileForm }
  /** An export of an ES module the worker imports (it may use imports and npm packages). */
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string }
  /** A function registered with `defineTask(import.meta.url, fn)`: the n-th task of that module. */
  | { readonly kind: 'task'; readonly url: string; readonly ordinal: number }
  /** The function itself: only on the native backend, where values pass by identity. */
  | { readonly kind: 'closure'; readonly fn: (...args: never[]) => unknown };

/** Indices into a map job's control words (an `Int32Array` on shared memory). */
export const MapControl = {
  /** Next unclaimed item index. Workers claim `[next, next + size)` with compareExchange. */
  Next: 0,
  /** Non-zero once the job must stop: an item failed, the caller aborted, or a worker died. */
  Stop: 1,
  /** Items finished so far (updated per chunk; read for progress). */
  Done: 2,
  /**
   * Participants inside the job: each adds 1 when it starts running it and
   * subtracts 1 just before it posts `job-done`. After an abort, the caller
   * replaces still-pending workers only while this is non-zero: a worker
   * whose `job-done` is still in flight has left, and may already be running
   * other work that a replacement would kill.
   */
  Running: 3,
  /** Number of words. */
  Length: 4,
} as const;

/** Caller → worker: run a map job. */
export interface MapJobMessage {
  readonly type: 'map';
  readonly jobId: number;
  readonly fn: FunctionRef;
  /** The call's `context` option: sent once per worker per call, never per item. */
  readonly context: unknown;
  /** Native backend: `context` is the caller's object itself (not encoded; nothing to revive). */
  readonly sharedContext?: true;
  readonly items: ArrayLike<unknown>;
  /** Some items hold Weft shared objects, encoded as for `context`: the worker revives them. */
  readonly itemsEncoded?: true;
  /**
   * The items streamed once for every participant, in blocks written into a
   * ring as workers claim them (`Backend.streamItems`); `items` is then
   * empty and the worker reads them through its endpoint's `itemReader`,
   * registering each claim with it (`claimChunk`'s `reserve`).
   */
  readonly sharedItems?: SharedArrayBuffer;
  readonly total: number;
  /** The smallest chunk a worker may claim (guided scheduling never goes below it). */
  readonly minChunk: number;
  /** Fixed chunk size chosen by the user, or 0 for guided (adaptive) chunks. */
  readonly fixedChunk: number;
  /** How many workers share the job (guided chunk sizes divide by it). */
  readonly participants: number;
  readonly control: Int32Array;
}

/** Caller → worker, first message: the pool's scheduler memory and this worker's index (its deque). */
export interface InitMessage {
  readonly type: 'init';
  readonly memory: SharedArrayBuffer;
  readonly sizes: SchedulerSizes;
  readonly index: number;
  /** The caller's table of dead thread ids, so locks a worker creates itself learn of deaths too. */
  readonly deadThreads: SharedArrayBuffer;
  /** Native backend only: functions, arguments and results by identity (see `sched/identity-heap.ts`). */
  readonly heap?: IdentityHeap;
  /** The pool's numbered shared buffers so far (see `sched/shared-buffers.ts`). */
  readonly buffers?: readonly BufferEntry[];
}

/** Caller → worker: shared buffers numbered (before the task that holds them is posted) or forgotten. */
export interface BuffersMessage {
  readonly type: 'buffers';
  readonly add: readonly BufferEntry[];
  readonly forget: readonly number[];
}

/**
 * Caller → worker: a task pinned to this worker, for arguments that must
 * travel by message (they hold shared memory, or do not fit a slot). Its slot
 * is already allocated and names the function.
 */
export interface PinnedTaskMessage {
  readonly type: 'task';
  readonly slot: number;
  readonly args: readonly unknown[];
}

/** Everything the caller sends. */
export type ToWorker = MapJobMessage | InitMessage | PinnedTaskMessage | BuffersMessage;

/** Worker → caller: the runtime is up and listening. */
export interface ReadyMessage {
  readonly type: 'ready';
  /** The worker's thread id (lock ownership): the pool marks it dead when the worker exits, poisoning its locks. */
  readonly threadId: number;
}

/** Worker → caller: results of finished chunks, flushed in batches. */
export interface ResultsMessage {
  readonly type: 'results';
  readonly jobId: number;
  /** Start index of each batch; `values[k]` holds the results of the batch starting at `starts[k]`. */
  readonly starts: readonly number[];
  /** Each batch's results: an array, or where every one is a number a `Float64Array` (its buffer transferred). */
  readonly values: readonly ArrayLike<unknown>[];
}

/** Worker → caller: one item's call failed (or its result could not be sent). */
export interface ItemErrorMessage {
  readonly type: 'item-error';
  readonly jobId: number;
  readonly index: number;
  readonly error: SerializedValue;
}

/** Worker → caller: the job failed as a whole in this worker (function did not compile, module did not load). */
export interface JobErrorMessage {
  readonly type: 'job-error';
  readonly jobId: number;
  readonly error: SerializedValue;
}

/** Worker → caller: this worker claims no more chunks of the job; all its results were sent before this. */
export interface JobDoneMessage {
  readonly type: 'job-done';
  readonly jobId: number;
}

/** Worker → caller: a task that asked for it (a timeout counts from its start) has started. */
export interface TaskStartedMessage {
  readonly type: 'task-started';
  readonly slot: number;
}

/** Worker → caller: a top-level task's result that did not fit its slot. Sent before the slot is marked done. */
export interface TaskResultMessage {
  readonly type: 'task-result';
  readonly slot: number;
  readonly value: unknown;
}

/** Everything a worker sends. */
export type FromWorker =
  | ReadyMessage
  | ResultsMessage
  | ItemErrorMessage
  | JobErrorMessage
  | JobDoneMessage
  | TaskStartedMessage
  | TaskResultMessage;
