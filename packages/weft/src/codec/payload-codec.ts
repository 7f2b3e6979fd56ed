/**
 * Encoding task arguments and results into shared memory.
 *
 * Small values take a fast path written straight into the slot (a tag byte,
 * then raw numbers): a number, a boolean, `undefined`, `null`, or an array of
 * up to {@link MAX_FAST_NUMBERS} numbers (the arguments of most tasks). They
 * never pay for a general encoding.
 *
 * Everything else uses msgpackr (a maintained MessagePack implementation) in
 * its structured-clone mode, so Maps, Sets, Dates, BigInts, typed arrays,
 * errors and cycles keep their shape. Without shared `structures`, msgpackr
 * embeds each message's record definitions in the message itself, so any
 * thread decodes what any other encoded (checked by the codec's tests).
 *
 * @module
 */
import { Packr } from 'msgpackr';

const packr = new Packr({ structuredClone: true });

const Tag = { Msgpack: 0, Number: 1, Undefined: 2, Null: 3, False: 4, True: 5, Numbers: 6 } as const;

/** Arrays of at most this many numbers take the fast path. */
export const MAX_FAST_NUMBERS = 8;

/** A value ready to be written into a slot: its fast form, or its msgpack bytes. */
export type EncodedPayload = { readonly fast: unknown; readonly size: number } | { readonly bytes: Uint8Array; readonly size: number };

/** Bytes `value` takes on the payload fast path (a number, boolean, `undefined`, `null`, or a short array of numbers), or -1 when it needs the general encoding. */
export function fastPayloadSize(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return 9;
    case 'boolean':
    case 'undefined':
      return 1;
    case 'object': {
      if (value === null) return 1;
      if (!Array.isArray(value) || value.length > MAX_FAST_NUMBERS) return -1;
      for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'number') return -1;
      // A plain array with no holes or extra properties: what the args of `run` are.
      return Object.getPrototypeOf(value) === Array.prototype ? 2 + value.length * 8 : -1;
    }
    default:
      return -1;
  }
}

/** The tag byte of a payload whose bytes after the tag are msgpack (other tags are the fast path). */
export const MSGPACK_TAG: number = Tag.Msgpack;

/** The fast-path form of `value` (a number, boolean, `undefined`, `null`, or a short array of numbers), or `undefined` when it needs a general encoding. */
export function fastPayload(value: unknown): EncodedPayload | undefined {
  const size = fastPayloadSize(value);
  return size >= 0 ? { fast: value, size } : undefined;
}

/** Encode `value` once (to validate it at the call and size it). Throws `TypeError` for functions and symbols. */
export function encodePayload(value: unknown): EncodedPayload {
  const size = fastPayloadSize(value);
  if (size >= 0) return { fast: value, size };
  assertEncodable(value, 0, new Set());
  const bytes = packr.pack(value);
  return { bytes, size: bytes.length + 1 };
}

/** Views for reading and writing numbers at any offset of a shared byte region. */
export class PayloadView {
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Write an encoded payload at `at`; returns its length. The caller checked that it fits. */
  write(at: number, payload: EncodedPayload): number {
    const { view, bytes } = this;
    if ('bytes' in payload) {
      bytes[at] = Tag.Msgpack;
      bytes.set(payload.bytes, at + 1);
      return payload.size;
    }
    return this.writeFast(at, payload.fast);
  }

  /** Write a value that takes the fast path ({@link fastPayloadSize} >= 0) at `at`; returns its length. */
  writeFast(at: number, value: unknown): number {
    const { view, bytes } = this;
    switch (typeof value) {
      case 'number':
        bytes[at] = Tag.Number;
        view.setFloat64(at + 1, value, true);
        return 9;
      case 'boolean':
        bytes[at] = value ? Tag.True : Tag.False;
        return 1;
      case 'undefined':
        bytes[at] = Tag.Undefined;
        return 1;
      default: {
        if (value === null) {
          bytes[at] = Tag.Null;
          return 1;
        }
        const numbers = value as number[];
        bytes[at] = Tag.Numbers;
        bytes[at + 1] = numbers.length;
        for (let i = 0; i < numbers.length; i++) view.setFloat64(at + 2 + i * 8, numbers[i]!, true);
        return 2 + numbers.length * 8;
      }
    }
  }

  /** Read the payload of `length` bytes at `at`. */
  read(at: number, length: number): unknown {
    const { view, bytes } = this;
    switch (bytes[at]) {
      case Tag.Number:
        return view.getFloat64(at + 1, true);
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Numbers: {
        const count = bytes[at + 1]!;
        const out = new Array<number>(count);
        for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 2 + i * 8, true);
        return out;
      }
      default:
        // msgpackr reads its input lazily: give it a private copy, not the live shared bytes.
        return packr.unpack(bytes.slice(at + 1, at + length));
    }
  }
}

/** Encode to standalone bytes (tag included), for payloads that do not live in a slot. */
export function payloadBytes(value: unknown): Uint8Array {
  const encoded = encodePayload(value);
  const out = new Uint8Array(encoded.size);
  new PayloadView(out).write(0, encoded);
  return out;
}

/** Decode standalone bytes made by {@link payloadBytes}. */
export function decodePayloadBytes(bytes: Uint8Array): unknown {
  return new PayloadView(bytes).read(0, bytes.length);
}

function assertEncodable(value: unknown, depth: number, seen: Set<object>): void {
  const type = typeof value;
  if (type === 'function' || type === 'symbol') {
    throw new TypeError(`a ${type} cannot be sent to another thread`);
  }
  if (typeof value !== 'object' || value === null || depth > 64 || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) assertEncodable(item, depth + 1, seen);
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      assertEncodable(k, depth + 1, seen);
      assertEncodable(v, depth + 1, seen);
    }
  } else if (value instanceof Set) {
    for (const item of value) assertEncodable(item, depth + 1, seen);
  } else if (!ArrayBuffer.isView(value) && !(value instanceof Date) && !(value instanceof RegExp)) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) assertEncodable(record[key], depth + 1, seen);
  }
}

/** True when `value` holds a `SharedArrayBuffer` (or a view of one): those must travel by message to stay shared. */
export function holdsSharedMemory(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null || depth > 16) return false;
  // A page that is not cross-origin isolated has no SharedArrayBuffer global at all.
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (value instanceof SharedArrayBuffer) return true;
  if (ArrayBuffer.isView(value)) return value.buffer instanceof SharedArrayBuffer;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsSharedMemory(item, depth + 1)) return true;
    return false;
  }
  if (value instanceof Map) return [...value].some(([k, v]) => holdsSharedMemory(k, depth + 1) || holdsSharedMemory(v, depth + 1));
  if (value instanceof Set) return [...value].some((v) => holdsSharedMemory(v, depth + 1));
  const record = value as Record<string, unknown>;
  return Object.keys(record).some((k) => holdsSharedMemory(record[k], depth + 1));
}
