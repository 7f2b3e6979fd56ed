/**
 * The process-wide table of dead threads: the ids of workers that exited,
 * kept in shared memory so that a thread waiting on a lock can learn that
 * the lock's owner died (and poison the lock instead of hanging).
 *
 * Each realm keeps the tables it knows on `globalThis`. A realm creates its
 * "home" table when it first needs one; every lock that crosses to a worker
 * carries its sender's home table, and the receiver adopts it. So the main
 * thread's table (where the pool marks deaths) reaches every worker that
 * holds one of its locks. Marking writes to every known table; a lookup
 * reads them all.
 *
 * Layout (Int32Array): `[tag, count, ...slots]`; the slots are an
 * open-addressing hash set of ids (0 = empty), filled with compareExchange
 * and never cleared.
 *
 * @module
 */
import { checkInteger } from '../validate.js';
import { THREAD_ID_MASK } from './thread-id.js';

const KEY = Symbol.for('weft.deadThreads');
const TAG = 0;
const COUNT = 1;
const FIRST_SLOT = 2;
const SLOT_BITS = 13;
const SLOTS = 1 << SLOT_BITS;

interface Tables {
  home: Int32Array | undefined;
  readonly all: Int32Array[];
}

let local: Tables | undefined;

function tables(): Tables {
  if (local) return local;
  const holder = globalThis as unknown as Record<symbol, Tables | undefined>;
  let found = holder[KEY];
  if (!found) {
    found = { home: undefined, all: [] };
    Object.defineProperty(globalThis, KEY, { value: found, configurable: true });
  }
  local = found;
  return found;
}

function homeTable(): Int32Array {
  const t = tables();
  if (t.home) return t.home;
  const table = new Int32Array(new SharedArrayBuffer((FIRST_SLOT + SLOTS) * 4));
  let tag = 0;
  while (tag === 0) tag = (Math.random() * 0x7fff_ffff) | 0;
  table[TAG] = tag;
  t.home = table;
  t.all.push(table);
  return table;
}

function slotOf(id: number): number {
  return Math.imul(id, 0x9e37_79b1) >>> (32 - SLOT_BITS);
}

function insert(table: Int32Array, id: number): boolean {
  let slot = slotOf(id);
  for (let probes = 0; probes < SLOTS; probes++) {
    // Publishes the death: readers that load this slot afterwards see it (seq-cst).
    const was = Atomics.compareExchange(table, FIRST_SLOT + slot, 0, id);
    if (was === 0) {
      Atomics.add(table, COUNT, 1);
      return true;
    }
    if (was === id) return true;
    slot = (slot + 1) & (SLOTS - 1);
  }
  return false;
}

function contains(table: Int32Array, id: number): boolean {
  let slot = slotOf(id);
  for (let probes = 0; probes < SLOTS; probes++) {
    const seen = Atomics.load(table, FIRST_SLOT + slot);
    if (seen === id) return true;
    if (seen === 0) return false;
    slot = (slot + 1) & (SLOTS - 1);
  }
  return false;
}

/**
 * Record that the thread `threadId` has exited, so that the Mutexes and
 * RwLocks it held become poisoned and its places in lock queues are
 * skipped: waiters notice within about 50 ms and get a `PoisonError`
 * instead of hanging.
 *
 * Weft's own pool calls this when one of its workers exits. Call it yourself
 * for workers you create and hand Weft's locks to, with the id the worker
 * reported from {@link currentThreadId}.
 *
 * @returns `true` once recorded (`false` only if the table, 8192 entries, is full).
 * @throws RangeError when `threadId` is not a thread id (a positive integer below 2^28).
 *
 * @example
 * ```ts
 * import { markThreadDead } from 'weftjs';
 * // const worker = new Worker(...); worker.once('message', (id) => { workerId = id; });
 * // worker.on('exit', () => markThreadDead(workerId));
 * markThreadDead(123456);
 * ```
 */
export function markThreadDead(threadId: number): boolean {
  checkInteger('markThreadDead', 'threadId', threadId, 1, THREAD_ID_MASK);
  homeTable();
  let recorded = true;
  for (const table of tables().all) recorded = insert(table, threadId) && recorded;
  return recorded;
}

/** Whether `threadId` was marked dead in any table this realm knows. */
export function isThreadDead(threadId: number): boolean {
  if (threadId === 0) return false;
  for (const table of tables().all) if (contains(table, threadId)) return true;
  return false;
}

/** This realm's home table, to send along with a lock (created on first use). */
export function deadThreadsBuffer(): SharedArrayBuffer {
  return homeTable().buffer as SharedArrayBuffer;
}

/** Adopt a table received with a lock (no-op when it is already known). */
export function adoptDeadThreads(buffer: unknown): void {
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength !== (FIRST_SLOT + SLOTS) * 4) return;
  const table = new Int32Array(buffer);
  const tag = Atomics.load(table, TAG);
  const t = tables();
  if (t.all.some((known) => Atomics.load(known, TAG) === tag)) return;
  t.all.push(table);
  // The first table a worker receives becomes its home, so what it forwards is the sender's.
  t.home ??= table;
}
