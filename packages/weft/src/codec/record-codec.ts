/**
 * msgpackr in structured-clone mode over a {@link StructureRegistry}: the
 * encoding of values that travel through one shared buffer (a channel).
 *
 * Compared with the payload codec's general path, three things make small
 * values cheap:
 * - record structures are shared through the buffer, so a message carries a
 *   one-byte id instead of its key list, and decoding reuses a compiled
 *   reader instead of parsing the keys again;
 * - encoding leaves the bytes in msgpackr's own buffer
 *   (`REUSE_BUFFER_MODE`); the caller copies them where they go, and nothing
 *   is allocated per value;
 * - decoding reads a private scratch buffer that is reused (msgpackr caches
 *   its view of a source on the source object, so a fresh copy per message
 *   costs more than the decode). `copyBuffers` makes decoded binary data a
 *   copy, never a view of the scratch.
 *
 * - structured-clone mode keeps a map of every object it writes (to find
 *   repeated references and cycles), which costs about a third of encoding a
 *   small object. A small tree of plain objects, arrays and primitives in
 *   which no object appears twice (checked by a bounded walk) is encoded by
 *   a second Packr without that map: for such a value both write the same
 *   bytes, and the structured-clone Packr decodes everything.
 *
 * Refusals come from msgpackr itself (a `writeFunction` that throws, its
 * error for symbols).
 *
 * @module
 */
import { Packr, REUSE_BUFFER_MODE } from 'msgpackr';
import { MAX_SHARED_STRUCTURES, type StructureRegistry } from './structure-registry.js';

/** What msgpackr's pack returns in `REUSE_BUFFER_MODE`: its buffer, with the value's range. */
interface ReusedBuffer extends Uint8Array {
  start?: number;
  end?: number;
}

function refuseFunction(): never {
  throw new TypeError('a function cannot be sent to another thread');
}

/** Objects and arrays a value may hold and still count as a small plain tree. */
const MAX_TREE_OBJECTS = 16;
/** Nesting a small plain tree may have. */
const MAX_TREE_DEPTH = 8;
/** The objects met so far by {@link isSmallPlainTree} (emptied after each walk). */
const treeObjects: object[] = [];

/**
 * True when `value` is primitives (no symbol), plain objects and plain
 * arrays only, at most {@link MAX_TREE_OBJECTS} objects deep
 * {@link MAX_TREE_DEPTH}, none of them met twice: then encoding it without
 * structured clone's reference map gives the same bytes.
 */
function isSmallPlainTree(value: object): boolean {
  try {
    return visitPlain(value, 0);
  } finally {
    treeObjects.length = 0;
  }
}

function visitPlain(value: unknown, depth: number): boolean {
  if (typeof value !== 'object') return typeof value !== 'function' && typeof value !== 'symbol';
  if (value === null) return true;
  if (depth > MAX_TREE_DEPTH || treeObjects.length >= MAX_TREE_OBJECTS) return false;
  for (let i = 0; i < treeObjects.length; i++) if (treeObjects[i] === value) return false;
  treeObjects.push(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) if (!visitPlain(value[i], depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  // msgpackr writes the same keys (for-in, own only); inherited enumerable ones are checked too, harmlessly.
  for (const key in value) if (!visitPlain((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

/** Encodes and decodes values with the record structures of one shared buffer. One per buffer per thread. */
export class RecordCodec {
  /** Structured clone: encodes anything, decodes everything. */
  private readonly packr: Packr;
  /** The same encoding without the reference map, for small plain trees. */
  private readonly plainPackr: Packr;
  private scratch = new Uint8Array(256);
  /** The bytes of the last {@link encode}: `bytes[start..end)`, valid until this thread encodes again. */
  bytes: Uint8Array = this.scratch;
  start = 0;
  end = 0;

  constructor(registry: StructureRegistry) {
    const shared = {
      maxSharedStructures: MAX_SHARED_STRUCTURES,
      getStructures: () => registry.load(),
      // msgpackr passes the structures with an `isCompatible` check attached (see StructureRegistry.save).
      saveStructures: (structures: object[]) => registry.save(structures as string[][]),
      shouldShareStructure: (keys: string[]) => registry.fits(keys),
      writeFunction: refuseFunction,
    };
    this.packr = new Packr({ ...shared, structuredClone: true, copyBuffers: true });
    // What structured clone turns on besides references (Set, Error, RegExp, typed arrays, large BigInts).
    this.plainPackr = new Packr({ ...shared, moreTypes: true });
  }

  /**
   * Encode `value`; its bytes are then `bytes[start..end)`. Returns their
   * length. Throws `TypeError` for values that cannot be sent (functions,
   * symbols).
   */
  encode(value: unknown): number {
    let out: ReusedBuffer;
    try {
      const packr = typeof value === 'object' && value !== null && isSmallPlainTree(value) ? this.plainPackr : this.packr;
      out = packr.pack(value, REUSE_BUFFER_MODE);
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

  /** A private buffer of at least `length` bytes to copy an encoded value into, then {@link decodeScratch}. */
  scratchFor(length: number): Uint8Array {
    if (this.scratch.length < length) this.scratch = new Uint8Array(Math.max(length, this.scratch.length * 2));
    return this.scratch;
  }

  /** Decode the `length` bytes at the start of the scratch buffer. */
  decodeScratch(length: number): unknown {
    return this.packr.unpack(this.scratch, length);
  }
}
