/**
 * Moving an `ArrayBuffer` to a worker and back without a copy: `transfer`
 * marks a buffer, and a task's arguments or result that hold a marked buffer
 * travel by message with it in the transfer list, as `postMessage` does. The
 * sender's buffer is detached (its `byteLength` becomes 0).
 *
 * The marks live in one `WeakSet` per realm, under a `Symbol.for` key on
 * `globalThis`, so a task module's own copy of `weftjs` marks buffers that
 * the worker runtime (a separate bundle) finds.
 *
 * @module
 */
import { describeValue } from '../validate.js';

const KEY = Symbol.for('weftjs.transfer');

type Marks = WeakSet<ArrayBuffer>;

function marks(create: boolean): Marks | undefined {
  const g = globalThis as unknown as Record<symbol, Marks | undefined>;
  if (create) g[KEY] ??= new WeakSet();
  return g[KEY];
}

/** `value`'s buffer when it is an `ArrayBuffer` (cross-realm too) or a view over one. */
function bufferOf(value: unknown): ArrayBuffer | SharedArrayBuffer | undefined {
  if (Object.prototype.toString.call(value) === '[object ArrayBuffer]') return value as ArrayBuffer;
  if (ArrayBuffer.isView(value)) return value.buffer;
  return undefined;
}

/**
 * Mark an `ArrayBuffer` (or the buffer of a typed array or `DataView`) to be
 * moved, not copied, when it travels to a worker in a task's arguments
 * (`Pool.run`, `Pool.runWith`) or back in a module task's result. After the
 * call that sends it, the buffer is detached here, as with `postMessage`'s
 * transfer list. Returns `value` itself.
 *
 * Marks are for the pool's message path: a task whose arguments hold a
 * marked buffer is sent by message to one worker. A forked task's arguments
 * and result, and `parallelMap` items, are copied as usual. On the native
 * backend values pass by identity, so nothing is copied or detached.
 *
 * @throws TypeError when `value` is not an `ArrayBuffer` or a view over one,
 * or is on a `SharedArrayBuffer` (which is shared, never moved).
 *
 * @example
 * ```ts
 * import { Pool, transfer } from 'weftjs';
 * const pool = new Pool();
 * const pixels = new Uint8Array(64 * 1024 * 1024);
 * const length = await pool.run((p: Uint8Array) => p.length, transfer(pixels));
 * console.log(length, pixels.byteLength); // 67108864 0: moved, not copied
 * ```
 */
export function transfer<T extends ArrayBuffer | ArrayBufferView>(value: T): T {
  const buffer = bufferOf(value);
  if (buffer === undefined) {
    throw new TypeError(`transfer: value must be an ArrayBuffer, a typed array or a DataView, received ${describeValue(value)}`);
  }
  if (Object.prototype.toString.call(buffer) !== '[object ArrayBuffer]') {
    throw new TypeError(`transfer: value is on a SharedArrayBuffer, which workers share without moving it; pass it as it is, received ${describeValue(value)}`);
  }
  marks(true)!.add(buffer as ArrayBuffer);
  return value;
}

/** How deep {@link transfersIn} looks into arrays, plain objects, Maps and Sets. */
const MAX_DEPTH = 8;

/**
 * The marked buffers inside `value` (each once), for a transfer list; empty,
 * at no cost, while nothing in this realm was ever marked.
 *
 * @example
 * ```ts
 * const list = transfersIn([transfer(new ArrayBuffer(8)), 1]); // [ArrayBuffer(8)]
 * ```
 */
export function transfersIn(value: unknown): ArrayBuffer[] {
  const marked = marks(false);
  if (marked === undefined) return [];
  const found: ArrayBuffer[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null || depth > MAX_DEPTH) return;
    const buffer = bufferOf(v);
    if (buffer !== undefined) {
      if (marked.has(buffer as ArrayBuffer) && !found.includes(buffer as ArrayBuffer)) found.push(buffer as ArrayBuffer);
      return;
    }
    if (Array.isArray(v)) for (const item of v) visit(item, depth + 1);
    else if (v instanceof Map) for (const [k, item] of v) (visit(k, depth + 1), visit(item, depth + 1));
    else if (v instanceof Set) for (const item of v) visit(item, depth + 1);
    else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) for (const key of Object.keys(v)) visit((v as Record<string, unknown>)[key], depth + 1);
  };
  visit(value, 0);
  return found;
}
