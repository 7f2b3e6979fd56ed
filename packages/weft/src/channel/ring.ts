/**
 * The shared-memory buffer of a {@link Channel}: a bounded MPMC ring of
 * message slots (crossbeam's array channel, on Int32 words) plus a ring of
 * byte cells for values too large to sit inside a slot. Every operation here
 * is non-blocking; the waiting protocols built on it live in `waits.ts`.
 * `README.md` beside this file states the invariants.
 *
 * @module
 */
import { fastPayload, MSGPACK_TAG, PayloadView } from '../codec/payload-codec.js';
import { RecordCodec } from '../codec/record-codec.js';
import { STRUCTURE_REGISTRY_BYTES, StructureRegistry } from '../codec/structure-registry.js';
import type { EncodedPayload } from '../codec/payload-codec.js';
import { futexNotify } from '../sync/futex.js';

// ---- header words (Int32 indexes); hot words sit on their own 64-byte line ----

/** Producers' claim position: `lap | index`, plus `markBit` once closed. */
const TAIL = 0;
/** Consumers' claim position: `lap | index`. */
const HEAD = 16;
/** Receivers in `receive` or `select` about to sleep or asleep (a rendezvous is ready for `trySend` while one is). */
export const RECV_SLEEPERS = 32;
/**
 * Receivers sleep on this word: bit 0 ({@link SLEEPING}) is set by a
 * receiver about to sleep; a publish that finds it set moves the word on
 * (clearing the bit) and wakes every receiver. Close moves it too.
 */
export const RECV_EVENT = 33;
/** Senders sleep on this word, as receivers on `RECV_EVENT`: a freed slot or freed blob cells wake them. */
export const SEND_EVENT = 49;
/** The bit of an event word that says someone announced a sleep on it since the last wake. */
const SLEEPING = 1;
/** Selects about to sleep or asleep on `SELECT_EVENT` (they wait on several channels at once). */
export const SELECT_SLEEPERS = 96;
/** Bumped, then notified to *all*, on every change a select may wait for. */
export const SELECT_EVENT = 97;
/** Next blob cell position (producers claim runs of cells by compareExchange). */
const BLOB_TAIL = 64;
// Constants, written once before the buffer is shared.
const CAPACITY = 80;
const MARK_BIT = 81;
const ONE_LAP = 82;
const RENDEZVOUS = 83;
const BLOB_CELLS = 84;
const ID_HI = 85;
const ID_LO = 86;
const REQUESTED = 87;
const HEADER_BYTES = 448;
/** The table of record structures shared by every thread that encodes or decodes this channel's values. */
const REGISTRY_AT = HEADER_BYTES;
/** Byte offset of the first message slot. */
const SLOTS_AT = REGISTRY_AT + STRUCTURE_REGISTRY_BYTES;

/** Bytes per message slot: a stamp word, a length word, then the inline payload. */
const SLOT_BYTES = 64;
/** Payload bytes a slot holds inline; larger payloads go to the blob ring. */
export const INLINE_BYTES = SLOT_BYTES - 8;
/** Length word of a slot holding a bare number (as a float64 at the slot's first aligned data word). */
const NUMBER_LENGTH = 0x4000_0000;
/** A slot's length word when its value is in the ring's identity heap. */
const IDENTITY_LENGTH = 0x4000_0001;
/** Length word `RECORD_LENGTH | n`: the slot holds `n` bytes of the channel codec's msgpack, from its first data word. */
const RECORD_LENGTH = 0x2000_0000;
/** Bytes per blob cell. */
const CELL_BYTES = 64;

/** Returned by {@link ChannelRing.tryPop} when nothing is ready (a symbol: channels refuse symbols as values). */
export const EMPTY: unique symbol = Symbol('weft.channel.empty');
/** Returned when the channel is closed (and, for pops, drained). */
export const CLOSED: unique symbol = Symbol('weft.channel.closed');
/** Returned by {@link ChannelRing.tryPush} when there is no room now. */
export const FULL: unique symbol = Symbol('weft.channel.full');

/** A value encoded once at the call, before anything is claimed. Exactly one of `inline`, `record`, `identity`, `blob` is set. */
export interface OutgoingMessage {
  /** A fast-path payload (a number, boolean, null, undefined, a few numbers) that fits in a slot. */
  readonly inline: EncodedPayload | undefined;
  /** msgpack bytes from the channel's codec that fit in a slot. */
  readonly record: Uint8Array | undefined;
  /** Shared heap: the value itself, passed by identity through {@link ChannelRing.heap}. */
  readonly identity: { readonly value: unknown } | undefined;
  /** Standalone bytes (tag included) for the blob ring. */
  readonly blob: Uint8Array | undefined;
  /** Blob cells held for this message while it waits for a slot (-1: none). */
  blobPos: number;
}

function outgoing(
  inline: EncodedPayload | undefined,
  record: Uint8Array | undefined,
  identity: { readonly value: unknown } | undefined,
  blob: Uint8Array | undefined,
): OutgoingMessage {
  return { inline, record, identity, blob, blobPos: -1 };
}

/** Sizes that shape a ring's memory. */
export interface RingShape {
  /** Message slots (>= 1). */
  readonly slots: number;
  /** True for a rendezvous channel (capacity 0: one slot, senders wait for pickup). */
  readonly rendezvous: boolean;
  /** Blob bytes (rounded up to a power-of-two number of cells). */
  readonly blobBytes: number;
  /** The capacity the user asked for (recorded for `capacity`; -1 for unbounded). */
  readonly requested: number;
}

const nextPowerOfTwo = (n: number): number => (n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n)));

/** Random identity of a channel, used to find it again when it travels inside a value. */
function randomId(words: Int32Array): void {
  const id = new Int32Array(2);
  crypto.getRandomValues(id);
  words[ID_HI] = id[0]!;
  words[ID_LO] = id[1]! === 0 ? 1 : id[1]!;
}

/** The ring over one `SharedArrayBuffer`; every thread builds its own view of the same memory. */
export class ChannelRing {
  readonly buffer: SharedArrayBuffer;
  readonly words: Int32Array;
  readonly slots: number;
  readonly rendezvous: boolean;
  private readonly bytes: Uint8Array;
  private readonly floats: Float64Array;
  private readonly payloads: PayloadView;
  private readonly markBit: number;
  private readonly indexMask: number;
  private readonly oneLap: number;
  private readonly lapMask: number;
  private readonly blobCells: number;
  private readonly blobMask: number;
  private readonly blobStampAt: number;
  private readonly blobDataAt: number;
  /**
   * Native backend: values by identity, one entry per slot (written by the
   * slot's producer before the stamp publishes it, cleared by its consumer).
   * Only the ring made where the channel was created has it; a copy revived
   * in a worker does not.
   */
  private heap: unknown[] | undefined;
  /** Set once the channel has been sent to a worker: from then on values are encoded, so workers can read them. */
  private shipped = false;
  /** This thread's encoder and decoder for the channel's values (made at first use: channels of numbers never need one). */
  private codec: RecordCodec | undefined;

  constructor(shapeOrBuffer: RingShape | SharedArrayBuffer) {
    if (shapeOrBuffer instanceof SharedArrayBuffer) {
      this.buffer = shapeOrBuffer;
      this.words = new Int32Array(shapeOrBuffer);
    } else {
      const { slots, rendezvous, blobBytes, requested } = shapeOrBuffer;
      const cells = nextPowerOfTwo(Math.ceil(blobBytes / CELL_BYTES));
      const size = SLOTS_AT + slots * SLOT_BYTES + cells * 4 + cells * CELL_BYTES;
      this.buffer = new SharedArrayBuffer(size);
      this.words = new Int32Array(this.buffer);
      const markBit = nextPowerOfTwo(slots + 1);
      this.words[CAPACITY] = slots;
      this.words[MARK_BIT] = markBit;
      this.words[ONE_LAP] = markBit * 2;
      this.words[RENDEZVOUS] = rendezvous ? 1 : 0;
      this.words[BLOB_CELLS] = cells;
      this.words[REQUESTED] = requested;
      randomId(this.words);
      // Slot and cell stamps are stored relative to their index, so all-zero memory is the
      // initial state ("slot i is free for position i") and untouched pages stay uncommitted.
    }
    const w = this.words;
    this.slots = w[CAPACITY]!;
    this.rendezvous = w[RENDEZVOUS] === 1;
    this.markBit = w[MARK_BIT]!;
    this.indexMask = this.markBit - 1;
    this.oneLap = w[ONE_LAP]!;
    this.lapMask = ~(this.oneLap - 1);
    this.blobCells = w[BLOB_CELLS]!;
    this.blobMask = this.blobCells - 1;
    this.blobStampAt = (SLOTS_AT + this.slots * SLOT_BYTES) >> 2;
    this.blobDataAt = SLOTS_AT + this.slots * SLOT_BYTES + this.blobCells * 4;
    this.bytes = new Uint8Array(this.buffer);
    this.floats = new Float64Array(this.buffer, 0, this.buffer.byteLength >> 3);
    this.payloads = new PayloadView(this.bytes);
  }

  /** The channel's random identity, as a string key. */
  get id(): string {
    return `${this.words[ID_HI]!}:${this.words[ID_LO]!}`;
  }

  /** The capacity the channel was created with (-1: unbounded). */
  get requested(): number {
    return this.words[REQUESTED]!;
  }

  /** Largest payload (bytes, tag included) a message may take. */
  get maxPayloadBytes(): number {
    return this.blobCells * CELL_BYTES;
  }

  // ---- positions ----

  private next(position: number): number {
    return (position & this.indexMask) + 1 < this.slots ? (position + 1) | 0 : ((position & this.lapMask) + this.oneLap) | 0;
  }

  private stampAt(index: number): number {
    return (SLOTS_AT >> 2) + index * (SLOT_BYTES >> 2);
  }

  private loadStamp(index: number): number {
    return (Atomics.load(this.words, this.stampAt(index)) + index) | 0;
  }

  /** Whether the channel is closed (a snapshot). */
  get closed(): boolean {
    return (Atomics.load(this.words, TAIL) & this.markBit) !== 0;
  }

  /** Messages buffered or being written (a snapshot). */
  get size(): number {
    for (;;) {
      const tail = Atomics.load(this.words, TAIL) & ~this.markBit;
      const head = Atomics.load(this.words, HEAD);
      // A consistent pair: TAIL did not move while HEAD was read.
      if ((Atomics.load(this.words, TAIL) & ~this.markBit) !== tail) continue;
      const hi = head & this.indexMask;
      const ti = tail & this.indexMask;
      if (hi < ti) return ti - hi;
      if (hi > ti) return this.slots - hi + ti;
      return tail === head ? 0 : this.slots;
    }
  }

  /**
   * Whether a pop may find something (a message claimed past `HEAD`, or the
   * channel closed): a snapshot that reads only `TAIL` and `HEAD`, for
   * spinning without touching the slots.
   */
  maySucceedPop(): boolean {
    const tail = Atomics.load(this.words, TAIL);
    return (tail & this.markBit) !== 0 || tail !== Atomics.load(this.words, HEAD);
  }

  /** Whether a push may find a slot (the ring not a whole lap ahead, or closed): a snapshot of `TAIL` and `HEAD`, as {@link maySucceedPop}. */
  maySucceedPush(): boolean {
    const tail = Atomics.load(this.words, TAIL);
    return (tail & this.markBit) !== 0 || ((Atomics.load(this.words, HEAD) + this.oneLap) | 0) !== tail;
  }

  /** Receivers sleeping in a receive or select (a snapshot; rendezvous readiness). */
  get sleepingReceivers(): number {
    return Atomics.load(this.words, RECV_SLEEPERS);
  }

  // ---- encoding (before anything is claimed) ----

  private records(): RecordCodec {
    return (this.codec ??= new RecordCodec(new StructureRegistry(this.buffer, REGISTRY_AT)));
  }

  /**
   * Encode `value` with the channel's codec (which keeps the bytes until
   * this thread encodes again); returns their length. Throws TypeError
   * (functions, symbols) or RangeError (too large).
   */
  private encodeRecord(value: unknown, where: string): number {
    let length: number;
    try {
      length = this.records().encode(value);
    } catch (err) {
      throw new TypeError(`${where}: the value cannot be sent through a channel (${(err as Error).message})`);
    }
    // Inline, the bytes fill the slot; as a blob they take a tag byte too.
    if (length > INLINE_BYTES && length + 1 > this.maxPayloadBytes) {
      throw new RangeError(
        `${where}: the value takes ${length + 1} bytes encoded, more than the channel's buffer of ${this.maxPayloadBytes} bytes; create the channel with a larger bufferBytes`,
      );
    }
    return length;
  }

  /** The message for the value {@link encodeRecord} just encoded (`length` bytes), owning a copy of them. */
  private recordMessage(length: number): OutgoingMessage {
    const bytes = this.codec!.copyOut();
    if (length <= INLINE_BYTES) return outgoing(undefined, bytes, undefined, undefined);
    const blob = new Uint8Array(length + 1);
    blob[0] = MSGPACK_TAG;
    blob.set(bytes, 1);
    return outgoing(undefined, undefined, undefined, blob);
  }

  /** Encode `value` for this ring; throws TypeError (functions, symbols) or RangeError (too large). */
  encode(value: unknown, where: string): OutgoingMessage {
    if (typeof value === 'number') return outgoing({ fast: value, size: 9 }, undefined, undefined, undefined);
    if (this.heap && !this.shipped) return outgoing(undefined, undefined, { value }, undefined);
    const fast = fastPayload(value);
    if (!fast) return this.recordMessage(this.encodeRecord(value, where));
    if (fast.size <= INLINE_BYTES) return outgoing(fast, undefined, undefined, undefined);
    // A fast payload too large for a slot (a few numbers): blob cells, like any large value.
    const blob = new Uint8Array(fast.size);
    new PayloadView(blob).write(0, fast);
    return outgoing(undefined, undefined, undefined, blob);
  }

  /**
   * A send's first try, without allocating on the common path: encode
   * `value` and, on a buffered channel with a free slot, publish it now.
   * Returns the claimed position, `CLOSED`, or the encoded message to wait
   * with (the channel is full, a rendezvous, or the value needs blob cells).
   * Throws like {@link encode}; nothing is claimed then.
   */
  sendNow(value: unknown, where: string): number | typeof CLOSED | OutgoingMessage {
    if (typeof value === 'number' && !this.rendezvous) {
      const pushed = this.tryPushNumber(value);
      if (pushed !== FULL) return pushed;
    }
    if (typeof value === 'number' || (this.heap && !this.shipped) || fastPayload(value)) {
      const message = this.encode(value, where);
      // Numbers that found no slot were tried above; a rendezvous waits for a receiver; blobs need cells first.
      if (typeof value === 'number' || this.rendezvous || message.blob) return message;
      const pushed = this.tryPush(message);
      return pushed === FULL ? message : pushed;
    }
    const length = this.encodeRecord(value, where);
    if (length <= INLINE_BYTES && !this.rendezvous) {
      const pushed = this.tryPushEncoded(length);
      if (pushed !== FULL) return pushed;
    }
    return this.recordMessage(length);
  }

  // ---- the slot ring ----

  /**
   * Claim the next position for a send if its slot is free now: the
   * position (its slot is the caller's to write, then {@link publish}),
   * `FULL`, or `CLOSED`.
   */
  private claim(): number | typeof FULL | typeof CLOSED {
    const w = this.words;
    for (let attempt = 0; ; attempt++) {
      const tail = Atomics.load(w, TAIL);
      if (tail & this.markBit) return CLOSED;
      const index = tail & this.indexMask;
      const stamp = this.loadStamp(index);
      if (stamp === tail) {
        // Claims position `tail`; fails if another producer claimed it or the channel closed (mark bit).
        if (Atomics.compareExchange(w, TAIL, tail, this.next(tail)) === tail) return tail;
        continue;
      }
      if (((stamp + this.oneLap) | 0) === ((tail + 1) | 0)) {
        // The slot still holds last lap's message: full if HEAD is a whole lap behind.
        if (((Atomics.load(w, HEAD) + this.oneLap) | 0) === tail) return FULL;
      }
      // A consumer is between claiming and freeing the slot, or TAIL moved: retry a few times.
      if (attempt > 64) return FULL;
    }
  }

  /** Publish the slot claimed at `tail` (its payload is written) and wake a receiver. */
  private publish(tail: number): void {
    const w = this.words;
    const index = tail & this.indexMask;
    // Publishes the slot: a consumer that sees stamp == tail + 1 reads the payload written before.
    Atomics.store(w, this.stampAt(index), (tail + 1 - index) | 0);
    this.wake(RECV_EVENT);
    this.wakeSelects();
  }

  /**
   * Publish `message` if a slot is free now. Returns the claimed position
   * (a number), `FULL`, or `CLOSED`. A blob message must hold its cells
   * (`blobPos >= 0`, see {@link claimBlob}) first.
   */
  tryPush(message: OutgoingMessage): number | typeof FULL | typeof CLOSED {
    const tail = this.claim();
    if (typeof tail !== 'number') return tail;
    this.write(tail & this.indexMask, message);
    this.publish(tail);
    return tail;
  }

  /** {@link tryPush} for a bare number: no encoding, no allocation. */
  tryPushNumber(value: number): number | typeof FULL | typeof CLOSED {
    const tail = this.claim();
    if (typeof tail !== 'number') return tail;
    const at = SLOTS_AT + (tail & this.indexMask) * SLOT_BYTES;
    this.floats[(at + 8) >> 3] = value;
    this.words[(at >> 2) + 1] = NUMBER_LENGTH;
    this.publish(tail);
    return tail;
  }

  /** {@link tryPush} for the value the codec just encoded (`length` bytes, at most {@link INLINE_BYTES}): copied straight into the slot, a word at a time. */
  private tryPushEncoded(length: number): number | typeof FULL | typeof CLOSED {
    const tail = this.claim();
    if (typeof tail !== 'number') return tail;
    const at = SLOTS_AT + (tail & this.indexMask) * SLOT_BYTES;
    this.codec!.copyTo(this.bytes, this.words, at + 8);
    this.words[(at >> 2) + 1] = RECORD_LENGTH | length;
    this.publish(tail);
    return tail;
  }

  private write(index: number, message: OutgoingMessage): void {
    const at = SLOTS_AT + index * SLOT_BYTES;
    const w = this.words;
    if (message.identity) {
      this.heap![index] = message.identity.value;
      w[(at >> 2) + 1] = IDENTITY_LENGTH;
    } else if (message.record) {
      this.bytes.set(message.record, at + 8);
      w[(at >> 2) + 1] = RECORD_LENGTH | message.record.length;
    } else if (message.inline) {
      w[(at >> 2) + 1] = this.payloads.write(at + 8, message.inline);
    } else {
      w[(at >> 2) + 1] = -message.blob!.length;
      w[(at >> 2) + 2] = message.blobPos;
    }
  }

  /** Take the next message if one is published: its value, `EMPTY`, or `CLOSED` (closed and drained). */
  tryPop(): unknown {
    const w = this.words;
    for (let attempt = 0; ; attempt++) {
      const head = Atomics.load(w, HEAD);
      const index = head & this.indexMask;
      const stamp = this.loadStamp(index);
      if (stamp === ((head + 1) | 0)) {
        // Claims the message at `head` (exactly one consumer, or a retracting rendezvous sender, wins).
        if (Atomics.compareExchange(w, HEAD, head, this.next(head)) !== head) continue;
        return this.takeClaimed(head, index);
      }
      if (stamp === head) {
        // The slot is free for this lap: empty unless a producer has claimed it and is writing.
        const tail = Atomics.load(w, TAIL);
        if ((tail & ~this.markBit) === head) return tail & this.markBit ? CLOSED : EMPTY;
      }
      if (attempt > 64) return EMPTY;
    }
  }

  /** Read and free the slot at `position` (claimed by the caller). */
  private takeClaimed(position: number, index: number): unknown {
    const w = this.words;
    const at = SLOTS_AT + index * SLOT_BYTES;
    const length = w[(at >> 2) + 1]!;
    let blobPos = -1;
    try {
      if (length === NUMBER_LENGTH) return this.floats[(at + 8) >> 3];
      if (length === IDENTITY_LENGTH) return this.takeIdentity(index);
      if (length >= RECORD_LENGTH) return this.records().decodeWords(w, (at + 8) >> 2, length & ~RECORD_LENGTH);
      if (length >= 0) return this.payloads.read(at + 8, length);
      blobPos = w[(at >> 2) + 2]!;
      return this.readBlob(blobPos, -length);
    } finally {
      if (blobPos >= 0) this.freeBlob(blobPos, -length);
      // Frees the slot for the next lap's producer (ordered after the reads above).
      Atomics.store(w, this.stampAt(index), (position + this.oneLap - index) | 0);
      this.wakeSenders();
    }
  }

  /** Make this ring pass values by identity (shared-heap threads; the channel's creator calls it once). */
  shareHeap(): void {
    this.heap ??= new Array<unknown>(this.slots).fill(undefined);
  }

  /** The channel is being sent to a worker: encode values from now on. */
  markShipped(): void {
    this.shipped = true;
  }

  private takeIdentity(index: number): unknown {
    if (!this.heap) {
      throw new TypeError(
        'This value was sent through the channel by identity on a native thread and cannot be read in a worker; send values only after the channel has been passed to its workers',
      );
    }
    const value = this.heap[index];
    this.heap[index] = undefined;
    return value;
  }

  /**
   * About to sleep on `event` (`RECV_EVENT` or `SEND_EVENT`): set its
   * {@link SLEEPING} bit and return the value to wait on. The caller then
   * tries its operation once more and sleeps only if it still cannot
   * proceed; any wake from now on changes the word, so the wait returns.
   */
  announceSleep(event: number): number {
    // Dekker pair with `wake`: the sleeper writes the bit then re-checks the ring; a waker changes the ring then reads the bit.
    return Atomics.or(this.words, event, SLEEPING) | SLEEPING;
  }

  /**
   * Wake everyone asleep on `event` if anyone announced a sleep since the
   * last wake; otherwise a single load. The wake clears the bit, so a burst
   * of publishes (or frees) while a sleeper is still waking costs one
   * notify, not one each.
   */
  private wake(event: number): void {
    const w = this.words;
    const seen = Atomics.load(w, event);
    if ((seen & SLEEPING) === 0) return;
    // Clears the bit and moves the word on (odd + 1 is even). If it fails, another waker did it and woke everyone.
    if (Atomics.compareExchange(w, event, seen, (seen + 1) | 0) === seen) futexNotify(w, event);
  }

  /** Wake senders waiting for room (or, on a rendezvous, for pickup), and selects. */
  wakeSenders(): void {
    this.wake(SEND_EVENT);
    this.wakeSelects();
  }

  /**
   * Wake every sleeping select (same Dekker pairing, on `SELECT_SLEEPERS`).
   * Selects wait on several words with `waitAsync` and leave the others'
   * waits pending when one fires; notifying all on their own word means
   * such a stale wait can never swallow a wake meant for someone else.
   */
  wakeSelects(): void {
    if (Atomics.load(this.words, SELECT_SLEEPERS) > 0) {
      Atomics.add(this.words, SELECT_EVENT, 1);
      futexNotify(this.words, SELECT_EVENT);
    }
  }

  /** The consumers' position (rendezvous senders watch it for pickup). */
  get head(): number {
    return Atomics.load(this.words, HEAD);
  }

  /**
   * A rendezvous sender takes back its own unreceived message at `position`
   * (on close or timeout). True when it did; false when a receiver got it.
   */
  retract(position: number): boolean {
    const index = position & this.indexMask;
    if (Atomics.compareExchange(this.words, HEAD, position, this.next(position)) !== position) return false;
    const at = SLOTS_AT + index * SLOT_BYTES;
    const length = this.words[(at >> 2) + 1]!;
    if (length < 0) this.freeBlob(this.words[(at >> 2) + 2]!, -length);
    Atomics.store(this.words, this.stampAt(index), (position + this.oneLap - index) | 0);
    this.wakeSenders();
    return true;
  }

  /** Close: set the mark bit on TAIL (producers' claims fail from now on), then wake everyone. */
  close(): boolean {
    const before = Atomics.or(this.words, TAIL, this.markBit);
    // Moves each event word on (by 2: the SLEEPING bit keeps its meaning) and wakes every sleeper.
    Atomics.add(this.words, RECV_EVENT, 2);
    futexNotify(this.words, RECV_EVENT);
    Atomics.add(this.words, SEND_EVENT, 2);
    futexNotify(this.words, SEND_EVENT);
    Atomics.add(this.words, SELECT_EVENT, 1);
    futexNotify(this.words, SELECT_EVENT);
    return (before & this.markBit) === 0;
  }

  // ---- the blob ring ----

  private cellStampAt(cell: number): number {
    return this.blobStampAt + cell;
  }

  /** Claim cells for `message.blob` if they are free now (sets `blobPos`); false otherwise. */
  claimBlob(message: OutgoingMessage): boolean {
    const w = this.words;
    const count = Math.ceil(message.blob!.length / CELL_BYTES);
    for (;;) {
      const tail = Atomics.load(w, BLOB_TAIL);
      for (let i = 0; i < count; i++) {
        const position = (tail + i) | 0;
        const cell = position & this.blobMask;
        // Free for `position` once last lap's reader stored position (stored relative to the cell).
        if (((Atomics.load(w, this.cellStampAt(cell)) + cell) | 0) !== position) return false;
      }
      // Only the claimer of a position changes its cell, so the cells checked above stay free.
      if (Atomics.compareExchange(w, BLOB_TAIL, tail, (tail + count) | 0) !== tail) continue;
      const data = message.blob!;
      const start = (tail & this.blobMask) * CELL_BYTES;
      const ringBytes = this.blobCells * CELL_BYTES;
      const first = Math.min(data.length, ringBytes - start);
      this.bytes.set(data.subarray(0, first), this.blobDataAt + start);
      if (first < data.length) this.bytes.set(data.subarray(first), this.blobDataAt);
      message.blobPos = tail;
      return true;
    }
  }

  private readBlob(position: number, length: number): unknown {
    const start = (position & this.blobMask) * CELL_BYTES;
    const ringBytes = this.blobCells * CELL_BYTES;
    const first = Math.min(length, ringBytes - start);
    // The tag byte is never wrapped (a run holds at least one byte before the end of the ring).
    const record = this.bytes[this.blobDataAt + start] === MSGPACK_TAG;
    // msgpack bytes (tag dropped) go to the codec's reused scratch; a fast payload to a buffer of its own.
    const skip = record ? 1 : 0;
    const out = record ? this.records().scratchFor(length - 1) : new Uint8Array(length);
    out.set(this.bytes.subarray(this.blobDataAt + start + skip, this.blobDataAt + start + first));
    if (first < length) out.set(this.bytes.subarray(this.blobDataAt, this.blobDataAt + length - first), first - skip);
    return record ? this.codec!.decodeScratch(length - 1) : new PayloadView(out).read(0, length);
  }

  /** Free the cells of a blob (read, retracted, or never published). */
  freeBlob(position: number, length: number): void {
    const count = Math.ceil(length / CELL_BYTES);
    for (let i = 0; i < count; i++) {
      const p = (position + i) | 0;
      const cell = p & this.blobMask;
      // Frees the cell for the next lap's claimer of it.
      Atomics.store(this.words, this.cellStampAt(cell), (p + this.blobCells - cell) | 0);
    }
  }

  /** Give back a held blob that was never published (send failed or gave up). */
  releaseHeld(message: OutgoingMessage): void {
    if (message.blobPos < 0) return;
    this.freeBlob(message.blobPos, message.blob!.length);
    message.blobPos = -1;
    this.wakeSenders();
  }
}

