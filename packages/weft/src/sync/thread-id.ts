/**
 * Thread identity for lock ownership. Every realm (the main thread, each
 * worker, each native thread) gets one id, drawn at random once and kept on
 * `globalThis` under `Symbol.for('weft.threadId')`, so that every copy of
 * Weft loaded in that realm agrees on it.
 *
 * Ids are 28-bit and never 0: a lock word stores its owner's id in its low
 * 28 bits and uses 0 for "free" (see `sync/README.md`).
 *
 * @module
 */
import { hasThreadApi, threadApi } from '../engine/thread-api.js';

/** Bits of a lock word that hold the owner's thread id. */
export const THREAD_ID_MASK = 0x0fff_ffff;

const KEY = Symbol.for('weft.threadId');

/** Ids below this are the engine's shared-heap thread ids plus one (the Thread API's ids are at most 0x7ffe). */
const NATIVE_IDS = 0x8000;

let cached = 0;
/** Whether this realm has the engine's Thread API (decided once; then ids come from `Thread.current`). */
let nativeThreads: boolean | undefined;

function drawId(): number {
  const cryptoApi = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  for (;;) {
    let raw: number;
    if (typeof cryptoApi?.getRandomValues === 'function') raw = cryptoApi.getRandomValues(new Uint32Array(1))[0] ?? 0;
    else raw = Math.floor(Math.random() * 0x1_0000_0000);
    // Never below NATIVE_IDS: those belong to shared-heap threads (engine id + 1).
    const id = (raw & THREAD_ID_MASK) | NATIVE_IDS;
    if (id !== 0) return id;
  }
}

/**
 * The id of the calling thread (the main thread, a worker, or a native
 * thread): a positive integer below 2^28, the same for every call in this
 * thread and different (with overwhelming probability) from every other
 * thread's. Locks record it as their owner; {@link markThreadDead} takes it.
 *
 * @example
 * ```ts
 * import { currentThreadId } from 'weftjs';
 * const id = currentThreadId(); // e.g. 183404551, stable for this thread
 * ```
 */
export function currentThreadId(): number {
  // Fast path: set only where there are no shared-heap threads (a realm has one id).
  if (cached !== 0) return cached;
  // Shared-heap threads share globalThis and module state: there, the engine's own thread id is the identity.
  nativeThreads ??= hasThreadApi();
  if (nativeThreads) return threadApi()!.Thread.current.id + 1;
  const holder = globalThis as unknown as Record<symbol, number | undefined>;
  let id = holder[KEY];
  if (typeof id !== 'number') {
    id = drawId();
    Object.defineProperty(globalThis, KEY, { value: id, configurable: true });
  }
  cached = id;
  return id;
}
