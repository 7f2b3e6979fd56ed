/**
 * Shared buffers for forked tasks. A fork's arguments travel through a slot's
 * payload bytes, and a `SharedArrayBuffer` cannot be written into bytes: so
 * the pool numbers the shared buffers its tasks receive and tells every
 * worker (`buffers` message, and `init` for workers started later). A fork
 * whose arguments hold a numbered buffer (a typed array on it, a Mutex, an
 * atomic cell) carries the number; the worker that runs it finds its own
 * copy of the same memory by that number.
 *
 * - The caller numbers a buffer the first time a task's arguments hold it,
 *   and posts the number to every worker *before* it posts the task. So the
 *   task's runner knows every buffer of its arguments; another worker may not
 *   have read its `buffers` message yet when it steals a fork, and puts the
 *   fork back (see `WorkerScheduler.run`) until it has.
 * - A buffer is forgotten (by the caller, then the workers) once the
 *   caller's `SharedArrayBuffer` object is garbage: a task that uses it holds
 *   it until it settles, and so do its joined forks.
 * - A buffer a task creates itself has no number: a fork that holds one runs
 *   at once on the forking worker (correct, not parallel).
 *
 * @module
 */
import type { BufferEntry } from '../protocol.js';
export type { BufferEntry } from '../protocol.js';


/** The key of a buffer reference inside encoded fork arguments. */
const BUFFER_MARK = '__weftBuffer';

interface BufferRef {
  readonly [BUFFER_MARK]: number;
  /** Constructor name of the view (`'SharedArrayBuffer'` for the buffer itself). */
  readonly type: string;
  readonly byteOffset: number;
  readonly length: number;
}

/** Returned by {@link reviveBuffers} when a referenced buffer is not known here (yet). */
export const UNKNOWN_BUFFER: unique symbol = Symbol('weft.unknownBuffer');

const MAX_DEPTH = 16;

// ---- the caller's side --------------------------------------------------------

/** The caller's numbering of shared buffers, for one pool. */
export class BufferRegistry {
  private readonly ids = new WeakMap<SharedArrayBuffer, number>();
  /** For `init` of workers started later: weak, so the registry never keeps memory alive. */
  private readonly byId = new Map<number, WeakRef<SharedArrayBuffer>>();
  private next = 1;
  private readonly finalizer: FinalizationRegistry<number>;

  /** `forget` is called with a buffer's number once the caller's buffer object is garbage. */
  constructor(forget: (id: number) => void) {
    this.finalizer = new FinalizationRegistry((id) => {
      this.byId.delete(id);
      forget(id);
    });
  }

  /** Number the shared buffers in `value` not numbered yet; returns those (to announce). */
  register(value: unknown): BufferEntry[] {
    const fresh: BufferEntry[] = [];
    for (const buffer of sharedBuffersIn(value)) {
      if (this.ids.has(buffer)) continue;
      const id = this.next++;
      this.ids.set(buffer, id);
      this.byId.set(id, new WeakRef(buffer));
      this.finalizer.register(buffer, id);
      fresh.push({ id, buffer });
    }
    return fresh;
  }

  /** {@link shareBuffers} with the caller's numbers (for a task's arguments, after {@link register}). */
  share(value: unknown): unknown {
    return shareBuffers(value, (buffer) => this.ids.get(buffer));
  }

  /** Every live numbered buffer (for a worker that starts now). */
  entries(): BufferEntry[] {
    const out: BufferEntry[] = [];
    for (const [id, ref] of this.byId) {
      const buffer = ref.deref();
      if (buffer) out.push({ id, buffer });
    }
    return out;
  }
}

/** The distinct shared buffers reachable in `value` (views, buffers, nested in arrays, objects, Maps, Sets). */
export function sharedBuffersIn(value: unknown): Set<SharedArrayBuffer> {
  const found = new Set<SharedArrayBuffer>();
  const visit = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null || depth > MAX_DEPTH) return;
    if (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer) found.add(v);
    else if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof SharedArrayBuffer) found.add(v.buffer);
    } else if (Array.isArray(v)) for (const item of v) visit(item, depth + 1);
    else if (v instanceof Map) for (const [k, x] of v) (visit(k, depth + 1), visit(x, depth + 1));
    else if (v instanceof Set) for (const x of v) visit(x, depth + 1);
    else for (const key of Object.keys(v)) visit((v as Record<string, unknown>)[key], depth + 1);
  };
  visit(value, 0);
  return found;
}

// ---- a worker's side ------------------------------------------------------------

/** This worker's numbered buffers (a worker realm has one pool: the one that started it). */
const known = new Map<number, SharedArrayBuffer>();
const numbers = new WeakMap<SharedArrayBuffer, number>();

/** Learn numbered buffers (from `buffers` or `init`). */
export function adoptBuffers(entries: readonly BufferEntry[]): void {
  for (const { id, buffer } of entries) {
    known.set(id, buffer);
    numbers.set(buffer, id);
  }
}

/** Forget numbered buffers the caller no longer holds. */
export function forgetBuffers(ids: readonly number[]): void {
  for (const id of ids) {
    const buffer = known.get(id);
    known.delete(id);
    if (buffer) numbers.delete(buffer);
  }
}

/** This worker's number for `buffer`, if it has one. */
export function bufferNumber(buffer: SharedArrayBuffer): number | undefined {
  return numbers.get(buffer);
}

/**
 * `value` (already through `encodeShareables`) with every shared buffer and
 * view on one replaced by a numbered reference; `undefined` when it holds a
 * buffer `numberOf` has no number for. Returns `value` itself when it holds
 * no shared memory.
 *
 * Numbers are per buffer *object*: each message clones a buffer into a new
 * object over the same memory, so a worker's task arguments arrive as
 * references too and are revived from the one object it numbered.
 */
export function shareBuffers(value: unknown, numberOf: (buffer: SharedArrayBuffer) => number | undefined = bufferNumber, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) {
    const id = numberOf(value);
    return id === undefined ? undefined : ({ [BUFFER_MARK]: id, type: 'SharedArrayBuffer', byteOffset: 0, length: value.byteLength } satisfies BufferRef);
  }
  if (ArrayBuffer.isView(value)) {
    if (!(value.buffer instanceof SharedArrayBuffer)) return value;
    const id = numberOf(value.buffer);
    if (id === undefined) return undefined;
    const length = value instanceof DataView ? value.byteLength : (value as unknown as { length: number }).length;
    return { [BUFFER_MARK]: id, type: value.constructor.name, byteOffset: value.byteOffset, length } satisfies BufferRef;
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = shareBuffers(value[i], numberOf, depth + 1);
      if (item === undefined && value[i] !== undefined) return undefined;
      out[i] = item;
    }
    return out;
  }
  if (value instanceof Map || value instanceof Set || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    const item = shareBuffers(v, numberOf, depth + 1);
    if (item === undefined && v !== undefined) return undefined;
    out[key] = item;
  }
  return out;
}

type ViewConstructor = new (buffer: SharedArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;

/** The views a reference may name (the global constructors of this realm). */
function viewConstructor(type: string): ViewConstructor | undefined {
  const ctor = (globalThis as Record<string, unknown>)[type];
  if (type === 'DataView' || (typeof ctor === 'function' && /Array$/.test(type))) return ctor as ViewConstructor;
  return undefined;
}

/** Undo {@link shareBuffers} in place; {@link UNKNOWN_BUFFER} when a referenced buffer is not known here. */
export function reviveBuffers(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (BUFFER_MARK in value) {
    const ref = value as BufferRef;
    const buffer = known.get(ref[BUFFER_MARK]);
    if (!buffer) return UNKNOWN_BUFFER;
    if (ref.type === 'SharedArrayBuffer') return buffer;
    const View = viewConstructor(ref.type);
    if (!View) throw new TypeError(`A forked task's argument is a ${ref.type} on shared memory, which this worker cannot rebuild`);
    return new View(buffer, ref.byteOffset, ref.length);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = reviveBuffers(value[i], depth + 1);
      if (item === UNKNOWN_BUFFER) return UNKNOWN_BUFFER;
      value[i] = item;
    }
    return value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = reviveBuffers(record[key], depth + 1);
    if (item === UNKNOWN_BUFFER) return UNKNOWN_BUFFER;
    record[key] = item;
  }
  return value;
}
