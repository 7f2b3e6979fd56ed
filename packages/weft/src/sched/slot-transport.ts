/**
 * How a task slot's arguments and outcome travel, chosen once per pool with
 * its backend and used by both sides: the caller's scheduler (tasks in,
 * results out) and every worker's scheduler (tasks run, forks in, joins).
 *
 * - {@link bytesTransport}, between workers: arguments and outcomes are
 *   bytes in the slot's payload (the fast numbers form, or msgpack), errors
 *   serialized, shared buffers by number (shared-buffers.ts).
 * - {@link heapTransport}, between shared-heap threads: the function, the
 *   arguments and the outcome stay objects, by identity, in the identity heap
 *   (identity-heap.ts); a thrown value is the very object thrown.
 *
 * The slot's words (state, flags, lengths, times) and the queues that move
 * slot numbers are the same for both.
 *
 * @module
 */
import { deserializeThrown, serializeThrown, type SerializedValue } from '../codec/error-codec.js';
import { encodePayload, holdsSharedMemory, type EncodedPayload } from '../codec/payload-codec.js';
import { decodeShareables, encodeShareables } from '../memory/shareable.js';
import type { FromWorker } from '../protocol.js';
import { RESULT_IN_HEAP, takeResult, type IdentityHeap } from './identity-heap.js';
import { type SchedulerMemory, SlotFlag, TaskState } from './scheduler-memory.js';
import { reviveBuffers, shareBuffers, UNKNOWN_BUFFER } from './shared-buffers.js';
import { writeOutcome } from './write-outcome.js';

/** What a submitted task brings to its slot (a pool's task record). */
export interface SubmittedArgs {
  /** The function, for shared-heap threads. */
  readonly fn?: unknown;
  /** The arguments as given, for shared-heap threads. */
  readonly args: readonly unknown[];
  /** Shipped for workers: a few numbers, written as they are. */
  readonly fastArgs?: readonly unknown[] | undefined;
  /** Shipped for workers: the encoded arguments. */
  readonly payload?: EncodedPayload | undefined;
}

/** A fork's arguments, ready for a slot ({@link SlotTransport.prepareFork}). */
export interface PreparedFork {
  /** Slot flags the arguments need (`SlotFlag.Buffers` when they hold numbered shared buffers). */
  readonly flags: number;
  /** The encoded arguments, on workers. */
  readonly encoded?: EncodedPayload;
}

/** The one way a pool's slots carry values (see the module comment). */
export interface SlotTransport {
  /** True between shared-heap threads: values pass by identity. */
  readonly byIdentity: boolean;
  /** Caller: put a submitted task's function and arguments in `slot`; returns its `ArgsLength`. */
  putTask(slot: number, task: SubmittedArgs): number;
  /** Forker: the arguments of a fork made ready for a slot, or undefined when they cannot go in one (the forker runs it itself). */
  prepareFork(args: readonly unknown[]): PreparedFork | undefined;
  /** Forker: put a prepared fork in `slot`; returns its `ArgsLength`. */
  putFork(slot: number, fn: unknown, args: readonly unknown[], prepared: PreparedFork): number;
  /**
   * Runner: the arguments of queued `slot` (its own copy, which the task may
   * keep), or {@link UNKNOWN_BUFFER} when they refer to a shared buffer this
   * worker has not been told of yet. Throws when they cannot be read.
   */
  takeArgs(slot: number, argsLength: number, flags: number): unknown[] | typeof UNKNOWN_BUFFER;
  /**
   * Runner: write the outcome (the value, or for `Failed` the thrown error)
   * into `slot`; returns the state and `ResultLength` to publish, payload
   * before state (-1: a top-level result sent by message instead).
   */
  putOutcome(
    slot: number,
    state: number,
    outcome: unknown,
    flags: number,
    post: (message: FromWorker, transfer?: readonly ArrayBuffer[]) => void,
  ): { state: number; length: number };
  /**
   * Joiner or caller: the finished `slot`'s outcome, once: its value, or for
   * `Failed` the error (revived from its serialized form, or the object
   * itself); undefined when cancelled. Clears what the slot held.
   */
  takeOutcome(slot: number, state: number, length: number): unknown;
}

/**
 * Bytes in the slot's payload, between workers.
 *
 * @example
 * ```ts
 * const transport = bytesTransport(memory);
 * const length = transport.putTask(slot, record); // written into Slot.ArgsLength
 * ```
 */
export function bytesTransport(memory: SchedulerMemory): SlotTransport {
  const payloads = memory.payloads;
  return {
    byIdentity: false,
    putTask(slot, task) {
      const at = memory.payloadAt(slot);
      return task.fastArgs ? payloads.writeFast(at, task.fastArgs) : task.payload ? payloads.write(at, task.payload) : 0;
    },
    prepareFork(args) {
      // Shared memory travels by number (see shared-buffers.ts); a buffer without one cannot travel.
      let wire: unknown = encodeShareables(args);
      let flags = 0;
      if (holdsSharedMemory(wire)) {
        wire = shareBuffers(wire);
        flags = SlotFlag.Buffers;
      }
      if (wire === undefined) return undefined;
      const encoded = encodePayload(wire);
      // Arguments too large to share: the forker runs the task itself (same result, no parallelism).
      return encoded.size > memory.sizes.payloadBytes ? undefined : { flags, encoded };
    },
    putFork(slot, _fn, _args, prepared) {
      return payloads.write(memory.payloadAt(slot), prepared.encoded!);
    },
    takeArgs(slot, argsLength, flags) {
      const decoded = payloads.read(memory.payloadAt(slot), argsLength);
      if (!(flags & SlotFlag.Buffers)) return decoded as unknown[];
      // A fork holding shared buffers: this worker's copies, found by number.
      const revived = reviveBuffers(decoded);
      return revived === UNKNOWN_BUFFER ? UNKNOWN_BUFFER : (decodeShareables(revived) as unknown[]);
    },
    putOutcome(slot, state, outcome, flags, post) {
      if (state === TaskState.Cancelled) return { state, length: 0 };
      return writeOutcome(memory, slot, state, state === TaskState.Failed ? serializeThrown(outcome) : outcome, flags, post);
    },
    takeOutcome(slot, state, length) {
      if (state === TaskState.Cancelled) return undefined;
      if (length <= 0) {
        // A failure always writes its error, unless it did not fit (worker-recovery's failSlot): never undefined.
        return state === TaskState.Failed ? new Error('The task failed, and its error was too large for its slot') : undefined;
      }
      const value = payloads.read(memory.payloadAt(slot), length);
      return state === TaskState.Failed ? deserializeThrown(value as SerializedValue) : value;
    },
  };
}

/**
 * Objects by identity in the identity heap, between shared-heap threads.
 *
 * @example
 * ```ts
 * const transport = heapTransport(createIdentityHeap(slots));
 * transport.putTask(slot, { fn, args }); // the closure and its arguments themselves
 * ```
 */
export function heapTransport(heap: IdentityHeap): SlotTransport {
  return {
    byIdentity: true,
    putTask(slot, task) {
      heap.fns[slot] = task.fn;
      heap.args[slot] = task.args;
      return 0;
    },
    prepareFork() {
      return NO_FLAGS;
    },
    putFork(slot, fn, args) {
      heap.fns[slot] = fn;
      heap.args[slot] = args;
      return 0;
    },
    takeArgs(slot) {
      const args = [...(heap.args[slot] ?? [])];
      heap.args[slot] = undefined;
      return args;
    },
    putOutcome(slot, state, outcome) {
      heap.results[slot] = state === TaskState.Cancelled ? undefined : outcome;
      return { state, length: RESULT_IN_HEAP };
    },
    takeOutcome(slot) {
      return takeResult(heap, slot);
    },
  };
}

const NO_FLAGS: PreparedFork = { flags: 0 };

/**
 * The transport for a pool: by identity where there is an identity heap
 * (the native backend), bytes otherwise.
 *
 * @example
 * ```ts
 * const transport = slotTransport(memory, init.heap);
 * ```
 */
export function slotTransport(memory: SchedulerMemory, heap: IdentityHeap | undefined): SlotTransport {
  return heap ? heapTransport(heap) : bytesTransport(memory);
}
