/**
 * The functions tasks run, shared by every thread of a pool: an append-only
 * table in shared memory of encoded {@link FunctionRef}s (source text or a
 * module reference). A task names its function by table index, so no message
 * is needed to tell a worker what to run.
 *
 * Appends take a short spin lock (`Header.FnLock`, holding the appender's
 * worker number); entries are immutable once `FnCount` covers them, so reads
 * need no lock. A worker that dies holding the lock has it released by the
 * caller (`releaseFunctionLockOf`).
 *
 * @module
 */
import type { FunctionRef } from '../protocol.js';
import { Header, type SchedulerMemory } from './scheduler-memory.js';

/** Lock owner value for the calling (main) thread. */
export const CALLER_LOCK_OWNER = 0x7fff;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type ShippableRef = Exclude<FunctionRef, { kind: 'closure' }>;

/** The key that identifies a function reference (equal refs, equal keys). */
export function functionKey(ref: ShippableRef): string {
  return ref.kind === 'source' ? `${ref.form}:${ref.source}` : JSON.stringify(ref);
}

/** Per-thread view of the table, with a cache of what this thread added or read. */
export class FunctionTable {
  private readonly ids = new Map<string, number>();
  /** Fast path: the same reference object asked for again. */
  private readonly byRef = new WeakMap<object, number>();
  private readonly refs: ShippableRef[] = [];

  constructor(
    private readonly memory: SchedulerMemory,
    /** This thread's lock-owner number: worker index + 1, or CALLER_LOCK_OWNER. */
    private readonly owner: number,
  ) {}

  /** The table index of `ref`, appending it when this thread has not seen it. Throws RangeError when full. */
  idOf(ref: ShippableRef): number {
    const same = this.byRef.get(ref);
    if (same !== undefined) return same;
    const key = functionKey(ref);
    const known = this.ids.get(key);
    if (known !== undefined) {
      this.byRef.set(ref, known);
      return known;
    }
    const bytes = encoder.encode(JSON.stringify(ref));
    const w = this.memory.words;
    const { functions, functionBytes } = this.memory.sizes;
    // Spin: the critical section is a copy of a few hundred bytes.
    while (Atomics.compareExchange(w, Header.FnLock, 0, this.owner) !== 0) {
      /* another thread is appending */
    }
    try {
      const id = Atomics.load(w, Header.FnCount);
      const used = Atomics.load(w, Header.FnBytes);
      if (id >= functions || used + bytes.length > functionBytes) {
        throw new RangeError(
          `The pool's function table is full (${functions} functions, ${functionBytes} bytes): create functions once and reuse them instead of creating new ones per task`,
        );
      }
      this.memory.fnBytes.set(bytes, used);
      Atomics.store(w, this.memory.fnTableAt + id * 2, used);
      Atomics.store(w, this.memory.fnTableAt + id * 2 + 1, bytes.length);
      Atomics.store(w, Header.FnBytes, used + bytes.length);
      // Publishes the entry: readers check FnCount before reading it.
      Atomics.store(w, Header.FnCount, id + 1);
      this.ids.set(key, id);
      this.byRef.set(ref, id);
      this.refs[id] = ref;
      return id;
    } finally {
      Atomics.store(w, Header.FnLock, 0);
    }
  }

  /** The reference at index `id`. */
  refOf(id: number): ShippableRef {
    const cached = this.refs[id];
    if (cached) return cached;
    const w = this.memory.words;
    if (id < 0 || id >= Atomics.load(w, Header.FnCount)) throw new RangeError(`No function #${id} in the pool's table`);
    const at = Atomics.load(w, this.memory.fnTableAt + id * 2);
    const length = Atomics.load(w, this.memory.fnTableAt + id * 2 + 1);
    // TextDecoder refuses views of shared memory: copy first.
    const ref = JSON.parse(decoder.decode(this.memory.fnBytes.slice(at, at + length))) as ShippableRef;
    this.refs[id] = ref;
    this.ids.set(functionKey(ref), id);
    return ref;
  }
}

/** Release the append lock if the (dead) worker `owner` held it. */
export function releaseFunctionLockOf(memory: SchedulerMemory, owner: number): void {
  Atomics.compareExchange(memory.words, Header.FnLock, owner, 0);
}
