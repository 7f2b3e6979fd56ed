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
 * Refusals come from msgpackr itself (a `writeFunction` that throws, its
 * error for symbols), so a value is walked once.
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

/** Encodes and decodes values with the record structures of one shared buffer. One per buffer per thread. */
export class RecordCodec {
  private readonly packr: Packr;
  private scratch = new Uint8Array(256);
  /** The bytes of the last {@link encode}: `bytes[start..end)`, valid until this thread encodes again. */
  bytes: Uint8Array = this.scratch;
  start = 0;
  end = 0;

  constructor(registry: StructureRegistry) {
    this.packr = new Packr({
      structuredClone: true,
      copyBuffers: true,
      maxSharedStructures: MAX_SHARED_STRUCTURES,
      getStructures: () => registry.load(),
      // msgpackr passes the structures with an `isCompatible` check attached (see StructureRegistry.save).
      saveStructures: (structures) => registry.save(structures as string[][]),
      shouldShareStructure: (keys) => registry.fits(keys),
      writeFunction: refuseFunction,
    });
  }

  /**
   * Encode `value`; its bytes are then `bytes[start..end)`. Returns their
   * length. Throws `TypeError` for values that cannot be sent (functions,
   * symbols).
   */
  encode(value: unknown): number {
    let out: ReusedBuffer;
    try {
      out = this.packr.pack(value, REUSE_BUFFER_MODE);
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
