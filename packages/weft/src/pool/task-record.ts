/**
 * A top-level task on the calling thread, from `Pool.run` until it settles:
 * what the caller-side scheduler keeps of it, and the promise it settles.
 *
 * @module
 */
import type { EncodedPayload } from '../codec/payload-codec.js';
import type { ShippableRef } from '../task/function-ref.js';

/** One submitted task, as the caller-side scheduler tracks it. */
export interface TaskRecord {
  /** What workers load (undefined when submitted for shared-heap threads, which take `fn` itself). */
  ref: ShippableRef | undefined;
  /** Arguments in the general (msgpack) encoding, when they need one. */
  payload: EncodedPayload | undefined;
  /** Arguments that take the payload fast path (a few numbers): written into the slot as they are. */
  fastArgs: readonly unknown[] | undefined;
  /** Arguments that travel by message: shared memory, too large for a slot, or holding buffers to move. */
  pinnedArgs: readonly unknown[] | undefined;
  /** Buffers of `pinnedArgs` marked with `transfer`: moved by the post, so the task can be posted once only. */
  transfer: readonly ArrayBuffer[] | undefined;
  /** True once a task with `transfer` was posted (its buffers are gone from here). */
  moved: boolean;
  /** The function and arguments as given (shared-heap threads get them by identity). */
  fn: unknown;
  args: unknown[];
  /** `SlotFlag`s of the task's slot. */
  flags: number;
  readonly submittedAt: number;
  /** Milliseconds it may run once started, if limited. */
  readonly timeout: number | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Its slot once written into one, else -1. */
  slot: number;
  /** The worker a pinned task was posted to, else -1. */
  pinnedTo: number;
  settled: boolean;
  /** Undoes what settling must undo: the abort listener, the timeout timer. */
  cleanup: (() => void) | undefined;
}

/** The record a promise executor is being run for (see `adopt`). */
let adopting: TaskRecord | undefined;

/** One shared promise executor: hands `resolve` and `reject` to the record being submitted, with no closure per task. */
function adopt(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  adopting!.resolve = resolve;
  adopting!.reject = reject;
}

function unsettled(): void {
  throw new Error('internal: a task record settled before its promise existed');
}

/**
 * A fresh record for `fn(...args)`; {@link taskPromise} makes the promise it
 * settles once the task is accepted.
 *
 * @example
 * ```ts
 * const record = newTaskRecord(fn, [1, 2], SlotFlag.TopLevel, 0, undefined);
 * const promise = taskPromise(record);
 * ```
 */
export function newTaskRecord(fn: unknown, args: unknown[], flags: number, submittedAt: number, timeout: number | undefined): TaskRecord {
  return {
    ref: undefined,
    payload: undefined,
    fastArgs: undefined,
    pinnedArgs: undefined,
    transfer: undefined,
    moved: false,
    // Kept only while they may still be needed: by identity for native threads, or shipped late (see flush).
    fn,
    args,
    flags,
    submittedAt,
    timeout,
    resolve: unsettled,
    reject: unsettled,
    slot: -1,
    pinnedTo: -1,
    settled: false,
    cleanup: undefined,
  };
}

/** The promise `record` settles: its `resolve` and `reject` are set, with no closure made for them. */
export function taskPromise(record: TaskRecord): Promise<unknown> {
  adopting = record;
  const promise = new Promise<unknown>(adopt);
  adopting = undefined;
  return promise;
}
