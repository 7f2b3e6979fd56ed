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
import { StructureRegistry } from '../codec/structure-registry.js';
import { futexNotify } from '../sync/futex.js';
import { BlobCells } from './blob-cells.js';
// Header words, slot and cell sizes, length tags: the layout (see ring-layout.ts).
import { TAIL, HEAD, RECV_SLEEPERS, RECV_EVENT, SEND_EVENT, SLEEPING, SELECT_SLEEPERS, SELECT_EVENT, CAPACITY, MARK_BIT, ONE_LAP, RENDEZVOUS,
  BLOB_CELLS, ID_HI, ID_LO, REQUESTED, REGISTRY_AT, SLOTS_AT, SLOT_BYTES, INLINE_BYTES, NUMBER_LENGTH, IDENTITY_LENGTH, RECORD_LENGTH, CELL_BYTES, EMPTY, CLOSED, FULL, outgoing, nextPowerOfTwo, randomId, type OutgoingMessage, type RingShape } from './ring-layout.js';

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
  /** The byte cells of values too large for a slot. */
  private readonly cells: BlobCells;
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
    this.bytes = new Uint8Array(this.buffer);
    this.cells = new BlobCells(w, this.bytes, this.blobCells, (SLOTS_AT + this.slots * SLOT_BYTES) >> 2, SLOTS_AT + this.slots * SLOT_BYTES + this.blobCells * 4);
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

  /** Claim cells for `message.blob` if they are free now (sets `blobPos`); false otherwise. */
  claimBlob(message: OutgoingMessage): boolean {
    const position = this.cells.claim(message.blob!);
    if (position === undefined) return false;
    message.blobPos = position;
    return true;
  }

  private readBlob(position: number, length: number): unknown {
    // The tag byte is never wrapped (a run holds at least one byte before the end of the ring).
    const record = this.cells.firstByte(position) === MSGPACK_TAG;
    // msgpack bytes (tag dropped) go to the codec's reused scratch; a fast payload to a buffer of its own.
    const skip = record ? 1 : 0;
    const out = record ? this.records().scratchFor(length - 1) : new Uint8Array(length);
    this.cells.read(position, length, skip, out);
    return record ? this.codec!.decodeScratch(length - 1) : new PayloadView(out).read(0, length);
  }

  /** Free the cells of a blob (read, retracted, or never published). */
  freeBlob(position: number, length: number): void {
    this.cells.free(position, length);
  }

  /** Give back a held blob that was never published (send failed or gave up). */
  releaseHeld(message: OutgoingMessage): void {
    if (message.blobPos < 0) return;
    this.freeBlob(message.blobPos, message.blob!.length);
    message.blobPos = -1;
    this.wakeSenders();
  }
}

