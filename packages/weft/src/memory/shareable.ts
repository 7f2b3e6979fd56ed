/**
 * The registry of shareable types: objects that keep their identity across
 * workers because their state lives in shared memory (a Mutex, a Channel, an
 * atomic cell). Structured clone would turn them into plain objects; instead,
 * each type registers how it is sent (its state: `SharedArrayBuffer`s and
 * plain data) and how it is revived on the other side (an object of the same
 * class over the same memory).
 *
 * The transport and the worker entry know only this registry, never the
 * primitives, so nothing low imports anything high.
 *
 * @module
 */

/** How one shareable type crosses a worker boundary. */
export interface ShareableCodec<T extends object, S> {
  /** Unique, stable name (sent on the wire). */
  readonly name: string;
  /** The class whose instances this codec handles (matched by `instanceof`). */
  readonly type: abstract new (...args: never[]) => T;
  /** The state to send: `SharedArrayBuffer`s and structured-cloneable data only. */
  encode(value: T): S;
  /** An object over the same shared state, on the receiving side. */
  decode(state: S): T;
}

/** The wire form of a shareable value. */
interface Encoded {
  readonly [MARK]: string;
  readonly state: unknown;
}

const MARK = '__weftShareable';
const REGISTRY_KEY = Symbol.for('weft.shareables');

type AnyCodec = ShareableCodec<object, unknown>;

/** Codecs by name; kept on `globalThis` so every copy of Weft in a realm shares one registry. */
function codecs(): Map<string, AnyCodec> {
  const holder = globalThis as unknown as Record<symbol, Map<string, AnyCodec> | undefined>;
  let map = holder[REGISTRY_KEY];
  if (!map) {
    map = new Map();
    Object.defineProperty(globalThis, REGISTRY_KEY, { value: map, configurable: true });
  }
  return map;
}

/** Register a shareable type. Registering the same name twice replaces the codec. */
export function registerShareable<T extends object, S>(codec: ShareableCodec<T, S>): void {
  codecs().set(codec.name, codec as unknown as AnyCodec);
}

function codecFor(value: object): AnyCodec | undefined {
  for (const codec of codecs().values()) if (value instanceof codec.type) return codec;
  return undefined;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const MAX_DEPTH = 64;

/** What {@link encodeShareables} saw on its walk, when asked. */
export interface ShareablesSeen {
  /** A `SharedArrayBuffer`, or a view of one, inside the value (within the walk's depth). */
  sharedMemory: boolean;
}

/**
 * Replace registered shareables inside `value` (at any depth of plain
 * objects, arrays, Maps and Sets) with their wire form. Returns `value`
 * itself when it holds none, so the common case allocates nothing. With
 * `seen`, the same walk also notes shared memory (which only a post shares).
 */
export function encodeShareables(value: unknown, depth = 0, seen?: ShareablesSeen): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || (codecs().size === 0 && !seen)) return value;
  // Arrays, plain objects, Maps and Sets are containers, never shareables: skip the instanceof checks.
  if (!Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set) && !isPlainObject(value)) {
    const codec = codecFor(value);
    if (codec) return { [MARK]: codec.name, state: codec.encode(value) } satisfies Encoded;
    if (seen && isSharedMemory(value)) seen.sharedMemory = true;
    return value;
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const encoded = encodeShareables(item, depth + 1, seen);
      if (encoded !== item) (out ??= value.slice())[i] = encoded;
    }
    return out ?? value;
  }
  if (value instanceof Map) {
    let changed = false;
    const entries = [...value].map(([k, v]) => {
      const ek = encodeShareables(k, depth + 1, seen);
      const ev = encodeShareables(v, depth + 1, seen);
      changed ||= ek !== k || ev !== v;
      return [ek, ev] as const;
    });
    return changed ? new Map(entries) : value;
  }
  if (value instanceof Set) {
    const items = [...value].map((v) => encodeShareables(v, depth + 1, seen));
    return items.some((v, i) => v !== [...value][i]) ? new Set(items) : value;
  }
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const encoded = encodeShareables(item, depth + 1, seen);
    if (encoded !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = encoded;
  }
  return out ?? value;
}

function isSharedMemory(value: object): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  return value instanceof SharedArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer);
}

/** Undo {@link encodeShareables} on the receiving side (mutates the freshly cloned structure in place). */
export function decodeShareables(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (MARK in value && isPlainObject(value)) {
    const name = (value as Encoded)[MARK];
    const codec = codecs().get(name);
    if (!codec) throw new TypeError(`Cannot revive a shared ${name}: this worker does not know the type`);
    return codec.decode((value as Encoded).state);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeShareables(value[i], depth + 1);
    return value;
  }
  if (value instanceof Map) {
    const entries = [...value].map(([k, v]) => [decodeShareables(k, depth + 1), decodeShareables(v, depth + 1)] as const);
    value.clear();
    for (const [k, v] of entries) value.set(k, v);
    return value;
  }
  if (value instanceof Set) {
    const items = [...value].map((v) => decodeShareables(v, depth + 1));
    value.clear();
    for (const v of items) value.add(v);
    return value;
  }
  if (!isPlainObject(value)) return value;
  for (const key of Object.keys(value)) {
    (value as Record<string, unknown>)[key] = decodeShareables((value as Record<string, unknown>)[key], depth + 1);
  }
  return value;
}
