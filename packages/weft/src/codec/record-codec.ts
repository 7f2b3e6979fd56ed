/**
 * msgpackr in structured-clone mode over a {@link StructureRegistry}: the
 * encoding of values that travel through one shared buffer (a channel).
 *
 * Compared with the payload codec's general path, four things make small
 * values cheap:
 * - record structures are shared through the buffer, so a message carries a
 *   one-byte id instead of its key list, and decoding reuses a compiled
 *   reader instead of parsing the keys again;
 * - encoding leaves the bytes in msgpackr's own buffer
 *   (`REUSE_BUFFER_MODE`), and the next encoding writes over them
 *   (`RESET_BUFFER_MODE`: the same few cache lines, never a fresh buffer);
 *   the caller copies them where they go at once, and nothing is allocated
 *   per value;
 * - decoding reads a private scratch buffer that is reused (msgpackr caches
 *   its view of a source on the source object, so a fresh copy per message
 *   costs more than the decode). `copyBuffers` makes decoded binary data a
 *   copy, never a view of the scratch;
 * - structured-clone mode keeps a map of every object it writes, to find
 *   repeated references and cycles; for a small object that is about a
 *   sixth of the encoding. A *flat record* (a plain object whose values are
 *   primitives or plain arrays of primitives, no array twice) cannot repeat
 *   a reference, so a second Packr without the map encodes it: the bytes are
 *   the same, and the structured-clone Packr decodes everything. Both share
 *   the buffer's structure table.
 *
 * Refusals come from msgpackr itself (a `writeFunction` that throws, its
 * error for symbols).
 *
 * @module
 */
import { Packr, RESET_BUFFER_MODE, REUSE_BUFFER_MODE } from 'msgpackr';
import { MAX_SHARED_STRUCTURES, type StructureRegistry } from './structure-registry.js';

/** What msgpackr's pack returns in `REUSE_BUFFER_MODE`: its buffer, with the value's range. */
interface ReusedBuffer extends Uint8Array {
  start?: number;
  end?: number;
}

function refuseFunction(): never {
  throw new TypeError('a function cannot be sent to another thread');
}

/** Arrays a flat record may hold. */
const MAX_FLAT_ARRAYS = 4;
/** The arrays met by {@link isFlatRecord} (cleared after each check). */
const flatArrays: unknown[] = [];

/** Whether `v` is a primitive msgpackr writes without references (not a function or symbol). */
function isPlainPrimitive(v: unknown): boolean {
  const type = typeof v;
  return type === 'object' ? v === null : type !== 'function' && type !== 'symbol';
}

/** Whether `v` is a plain array (not a subclass) of primitives. */
function isPrimitiveArray(v: unknown): v is unknown[] {
  if (!Array.isArray(v) || v.constructor !== Array) return false;
  for (let i = 0; i < v.length; i++) if (!isPlainPrimitive(v[i])) return false;
  return true;
}

/**
 * True when `value` is a plain array of primitives, or a plain object (its
 * constructor is `Object`) whose enumerable values are primitives or plain
 * arrays of primitives, no array twice: no object in it can be met twice, so
 * structured clone's reference map would find nothing. Anything else
 * (nesting, Map, Date, class instances, channels, functions) answers false
 * and takes the general path.
 */
function isFlatRecord(value: object): boolean {
  const constructor = (value as { constructor?: unknown }).constructor;
  if (constructor === Array) return isPrimitiveArray(value);
  if (constructor !== Object) return false;
  // The arrays seen so far sit in flatArrays[0..arrays): one array twice is a shared reference, which needs the general encoding.
  let arrays = 0;
  try {
    for (const key in value) {
      const v = (value as Record<string, unknown>)[key];
      if (isPlainPrimitive(v)) continue;
      if (arrays >= MAX_FLAT_ARRAYS || !isPrimitiveArray(v)) return false;
      for (let i = 0; i < arrays; i++) if (flatArrays[i] === v) return false;
      flatArrays[arrays++] = v;
    }
    return true;
  } finally {
    for (let i = 0; i < arrays; i++) flatArrays[i] = undefined;
  }
}

/** Encodes and decodes values with the record structures of one shared buffer. One per buffer per thread. */
export class RecordCodec {
  /** Structured clone: encodes anything, decodes everything. */
  private readonly packr: Packr;
  /** The same encoding without the reference map, for flat records. */
  private readonly flatPackr: Packr;
  /** Private bytes that values are copied into before they are decoded (grows as needed; a multiple of 4 bytes). */
  private scratch = new Uint8Array(256);
  private scratchWords = new Int32Array(this.scratch.buffer);
  /** The bytes of the last {@link encode}: `bytes[start..end)`, valid until this thread encodes again. */
  private bytes: Uint8Array = this.scratch;
  private start = 0;
  private end = 0;
  /** A word view of the buffer msgpackr last wrote into (it keeps one buffer for many values). */
  private sourceWords: Int32Array<ArrayBufferLike> = this.scratchWords;
  /** The encoder's buffer that {@link sourceWords} views, and its offset in that backing store. */
  private sourceOf: Uint8Array | undefined;
  private sourceOffset = 0;

  constructor(registry: StructureRegistry) {
    const shared = {
      maxSharedStructures: MAX_SHARED_STRUCTURES,
      getStructures: (): string[][] => registry.load(),
      // msgpackr passes the structures with an `isCompatible` check attached (see StructureRegistry.save).
      saveStructures: (structures: object[]): boolean => registry.save(structures as string[][]),
      shouldShareStructure: (keys: string[]): boolean => registry.fits(keys),
      writeFunction: refuseFunction,
    };
    this.packr = new Packr({ ...shared, structuredClone: true, copyBuffers: true });
    // What structured clone turns on besides references (Set, Error, RegExp, typed arrays, large BigInts): the same bytes.
    this.flatPackr = new Packr({ ...shared, moreTypes: true });
  }

  /**
   * Encode `value` and keep its bytes until this thread encodes again; see
   * {@link copyTo} and {@link copyOut}. Returns their length. Throws
   * `TypeError` for values that cannot be sent (functions, symbols).
   */
  encode(value: unknown): number {
    let out: ReusedBuffer;
    try {
      const packr = typeof value === 'object' && value !== null && isFlatRecord(value) ? this.flatPackr : this.packr;
      // The bytes stay valid until the next pack on this thread (by anyone): callers copy them before that.
      out = packr.pack(value, REUSE_BUFFER_MODE | RESET_BUFFER_MODE);
    } catch (err) {
      const message = (err as Error | undefined)?.message ?? String(err);
      const unknownType = /^Unknown type: (\w+)/.exec(message);
      if (unknownType) throw new TypeError(`a ${unknownType[1]!} cannot be sent to another thread`);
      throw err;
    }
    // msgpackr's own buffer carries the range; a value it had to copy (cycles, a first shared structure) is a buffer of its own.
    this.bytes = out;
    if (out.end !== undefined && out.start !== undefined) {
      this.start = out.start;
      this.end = out.end;
    } else {
      this.start = 0;
      this.end = out.length;
    }
    return this.end - this.start;
  }

  /**
   * Copy the last encoded value to `bytes` at byte `at` (a multiple of 4;
   * `words` views the same memory). Copies whole words: up to 3 bytes past
   * the value's end are written too, so the destination must have room for
   * its length rounded up to 4.
   */
  copyTo(bytes: Uint8Array, words: Int32Array, at: number): void {
    const { bytes: from, start, end } = this;
    // msgpackr packs into the same buffer again and again: look at its backing store only when it changes.
    if (from !== this.sourceOf) {
      this.sourceOf = from;
      this.sourceWords = new Int32Array(from.buffer, 0, from.buffer.byteLength >> 2);
      this.sourceOffset = from.byteOffset;
    }
    const offset = this.sourceOffset + start;
    const count = (end - start + 3) >> 2;
    if ((offset & 3) === 0 && this.sourceWords.length >= (offset >> 2) + count) {
      const source = this.sourceWords;
      for (let i = 0, s = offset >> 2, d = at >> 2; i < count; i++) words[d + i] = source[s + i]!;
    } else {
      for (let i = start, j = at; i < end; i++, j++) bytes[j] = from[i]!;
    }
  }

  /** The last encoded value's bytes, as a private copy (for a message that waits). */
  copyOut(): Uint8Array {
    const out = new Uint8Array(this.end - this.start);
    out.set(this.bytes.subarray(this.start, this.end));
    return out;
  }

  /** Decode `length` bytes that start at word `index` of `words` (shared memory: copied to the private scratch first). */
  decodeWords(words: Int32Array, index: number, length: number): unknown {
    const count = (length + 3) >> 2;
    const scratch = this.scratchWords.length >= count ? this.scratchWords : this.grow(count * 4);
    for (let i = 0; i < count; i++) scratch[i] = words[index + i]!;
    return this.packr.unpack(this.scratch, length);
  }

  /** A private buffer of at least `length` bytes to copy an encoded value into, then {@link decodeScratch}. */
  scratchFor(length: number): Uint8Array {
    if (this.scratch.length < length) this.grow(length);
    return this.scratch;
  }

  /** Decode the `length` bytes at the start of the scratch buffer. */
  decodeScratch(length: number): unknown {
    return this.packr.unpack(this.scratch, length);
  }

  private grow(length: number): Int32Array {
    this.scratch = new Uint8Array((Math.max(length, this.scratch.length * 2) + 3) & ~3);
    this.scratchWords = new Int32Array(this.scratch.buffer);
    return this.scratchWords;
  }
}
