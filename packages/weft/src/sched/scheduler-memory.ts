/**
 * The shared-memory layout of a Pool's scheduler: one `SharedArrayBuffer`
 * holding the header words, the injector queue, the completion queue, one
 * work deque per worker, the task slots, and the function table. The caller
 * and every worker view the same buffer; see `pool/README.md` for who writes
 * what.
 *
 * @module
 */

import type { SchedulerSizes } from '../protocol.js';
export type { SchedulerSizes } from '../protocol.js';
import { PayloadView } from '../codec/payload-codec.js';
import { LINE, MpmcRing } from './mpmc-ring.js';

/**
 * Header words (Int32 indices). Words written often by different threads
 * sit on separate 64-byte cache lines (16 words apart), so that a worker
 * bumping a counter does not slow down the caller pushing tasks.
 */
export const Header = {
  /** Bumped to wake sleeping workers (futex word). */
  WakeSeq: 0,
  /** Number of workers between announcing sleep and waking. */
  Sleepers: 1,
  /** Non-zero once the pool is shutting down. */
  Shutdown: 2,
  /** Bumped per finished top-level task (the caller waits on it with waitAsync). */
  CompletionSeq: 16,
  /** Non-zero while the caller is (about to be) waiting on CompletionSeq. */
  CallerWaiting: 17,
  /** Statistics: tasks stolen from another worker's deque. */
  Stolen: 32,
  /** Top-level tasks started (the caller compares with how many it queued). */
  TopStarted: 48,
  /** Free-slot stack head: `(tag << slotBits(slots)) | (slot + 1)`, 0 = empty (see `slot-stack.ts`). */
  FreeHead: 64,
  /** Function table append lock: 0 free, else the holder's worker number (caller = 0x7fff). */
  FnLock: 80,
  /** Number of functions in the table. */
  FnCount: 81,
  /** Bytes used in the function table's byte heap. */
  FnBytes: 82,
  Length: 96,
} as const;

/** Slot words (Int32, relative to a slot's first word). */
export const Slot = {
  State: 0,
  FnId: 1,
  ArgsLength: 2,
  /** Result bytes in the payload; -1 when the result travels by message (too large). */
  ResultLength: 3,
  /** Worker number (index + 1) running it; 0 before it starts. */
  Runner: 4,
  Flags: 5,
  /** Non-zero when the caller cancelled it (abort or timeout): seen by the task's AbortSignal. */
  Cancel: 6,
  /** Next free slot + 1, while on the free stack. */
  NextFree: 7,
  /** The worker number that forked it (0: the caller). */
  Parent: 8,
  /** One cache line per slot: slots in use by different threads do not share one. */
  Words: 16,
} as const;

/** Task states (the Slot.State word). Terminal states are >= Done. */
export const TaskState = {
  Free: 0,
  Queued: 1,
  Running: 2,
  Done: 3,
  Failed: 4,
  Cancelled: 5,
} as const;

/** Slot.Flags bits. */
export const SlotFlag = {
  /** Submitted by the caller: completion goes through the completion queue. */
  TopLevel: 1,
  /** Runs with an AbortSignal appended to its arguments. */
  Signal: 2,
  /** The caller wants a `task-started` message (for a timeout that counts from the start). */
  ReportStart: 4,
  /** Sent by message to one worker (payload did not fit, or holds shared buffers). */
  Pinned: 8,
  /** A fork whose arguments refer to numbered shared buffers (see `shared-buffers.ts`). */
  Buffers: 16,
} as const;

/** This thread's time origin, read once (the getter is not free, and the clock is read per task). */
const TIME_ORIGIN = performance.timeOrigin;

/** Now, in epoch ms: the clock of the slot timestamps, comparable across threads ({@link SchedulerMemory.times}). */
export function epochNow(): number {
  return TIME_ORIGIN + performance.now();
}


/** Default sizes: 4096 task slots of 1 KiB payload, 1024-entry deques, 4096 functions in 1 MiB. */
export function defaultSizes(workers: number): SchedulerSizes {
  return { workers, slots: 4096, payloadBytes: 1024, dequeCapacity: 1024, functions: 4096, functionBytes: 1 << 20 };
}

/** Typed views over one scheduler buffer; the same on every thread. */
export class SchedulerMemory {
  readonly words: Int32Array;
  /** Per-slot timestamps (epoch ms): [submitted, started, finished]. */
  readonly times: Float64Array;
  readonly payload: Uint8Array;
  /** Reads and writes payloads: slot `s` starts at byte `s * sizes.payloadBytes`. */
  readonly payloads: PayloadView;
  readonly fnBytes: Uint8Array;
  /** Word offsets of each region. */
  readonly injectorAt: number;
  readonly completionAt: number;
  readonly dequesAt: number;
  readonly slotsAt: number;
  readonly fnTableAt: number;
  readonly dequeWords: number;
  /** The caller → workers queue of queued slots. */
  readonly injector: MpmcRing;
  /** The workers → caller queue of finished top-level slots. */
  readonly completions: MpmcRing;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly sizes: SchedulerSizes,
  ) {
    const layout = SchedulerMemory.layout(sizes);
    this.words = new Int32Array(buffer, 0, layout.words);
    this.times = new Float64Array(buffer, layout.timesByte, sizes.slots * 3);
    this.payload = new Uint8Array(buffer, layout.payloadByte, sizes.slots * sizes.payloadBytes);
    this.fnBytes = new Uint8Array(buffer, layout.fnByte, sizes.functionBytes);
    this.payloads = new PayloadView(this.payload);
    this.injectorAt = layout.injectorAt;
    this.completionAt = layout.completionAt;
    this.dequesAt = layout.dequesAt;
    this.slotsAt = layout.slotsAt;
    this.fnTableAt = layout.fnTableAt;
    this.dequeWords = 2 * LINE + sizes.dequeCapacity;
    this.injector = new MpmcRing(this.words, this.injectorAt, ringCapacity(sizes));
    this.completions = new MpmcRing(this.words, this.completionAt, ringCapacity(sizes));
  }

  /** Allocate and initialise a scheduler buffer: every slot on the free stack. */
  static create(sizes: SchedulerSizes): SchedulerMemory {
    const layout = SchedulerMemory.layout(sizes);
    const memory = new SchedulerMemory(new SharedArrayBuffer(layout.totalBytes), sizes);
    const w = memory.words;
    for (let s = 0; s < sizes.slots; s++) w[memory.slotWord(s) + Slot.NextFree] = s + 1 < sizes.slots ? s + 2 : 0;
    w[Header.FreeHead] = 1; // slot 0, tag 0
    initRing(w, layout.injectorAt, ringCapacity(sizes));
    initRing(w, layout.completionAt, ringCapacity(sizes));
    return memory;
  }

  private static layout(sizes: SchedulerSizes) {
    const ring = ringWords(ringCapacity(sizes));
    const injectorAt = Header.Length;
    const completionAt = injectorAt + ring;
    const dequesAt = completionAt + ring;
    const slotsAt = dequesAt + sizes.workers * (2 * LINE + sizes.dequeCapacity);
    const fnTableAt = slotsAt + sizes.slots * Slot.Words;
    const words = fnTableAt + sizes.functions * 2;
    const timesByte = Math.ceil((words * 4) / 8) * 8;
    const payloadByte = timesByte + sizes.slots * 3 * 8;
    const fnByte = payloadByte + sizes.slots * sizes.payloadBytes;
    return { injectorAt, completionAt, dequesAt, slotsAt, fnTableAt, words, timesByte, payloadByte, fnByte, totalBytes: fnByte + sizes.functionBytes };
  }

  /** First word of slot `s`. */
  slotWord(s: number): number {
    return this.slotsAt + s * Slot.Words;
  }

  /** First word of worker `index`'s deque (`top`, `bottom`, then the cells). */
  dequeWord(index: number): number {
    return this.dequesAt + index * this.dequeWords;
  }

  /**
   * The word counting the messages the caller has posted to worker `index`
   * (a spare word on its deque's `top` line). The caller adds 1 after each
   * post and before it bumps `WakeSeq`; a worker that has received fewer has
   * a message waiting in its event loop, which a blocking sleep would not
   * see: it yields to the event loop instead of sleeping.
   */
  postedWord(index: number): number {
    return this.dequeWord(index) + 1;
  }

  /** Byte offset of slot `s`'s payload in {@link SchedulerMemory.payloads}. */
  payloadAt(s: number): number {
    return s * this.sizes.payloadBytes;
  }
}

/** Ring capacity: a power of two at least the slot count (each slot is queued at most once at a time). */
function ringCapacity(sizes: SchedulerSizes): number {
  // At least 2: a ring of one cell reads its own published cell as free on the next lap (mpmc-ring.ts).
  let c = 2;
  while (c < sizes.slots) c *= 2;
  return c;
}

/** Words of a bounded MPMC ring: enqueue position, dequeue position (each on its own line), then (sequence, value) per cell. */
export function ringWords(capacity: number): number {
  return 2 * LINE + capacity * 2;
}

function initRing(words: Int32Array, at: number, capacity: number): void {
  words[at] = 0;
  words[at + LINE] = 0;
  for (let i = 0; i < capacity; i++) words[at + 2 * LINE + i * 2] = i;
}
