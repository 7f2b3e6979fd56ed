// Poisoning by a worker of the user's own (not the pool's) that dies holding a
// Weft lock: the worker is a node:worker_threads Worker running
// test/fixtures/sync-holder.mjs, so these stay Node-only (vitest, both projects).
// The rest of Mutex and RwLock is in the portable suite (runtime-tests/src/suites/sync-*.mjs).
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Mutex, PoisonError, RwLock, markThreadDead } from 'weftjs';
import { rejectionOf, sharedFlags, waitUntilChanged, within } from '../../helpers.js';

/** How the worker runtime sends `lock` (through the shareable registry), for the fixture to revive. */
function encode(kind: 'weft.Mutex' | 'weft.RwLock', lock: unknown): unknown {
  const registry = (globalThis as unknown as Record<symbol, Map<string, { encode(v: unknown): unknown }>>)[Symbol.for('weft.shareables')];
  return { __weftShareable: kind, state: registry?.get(kind)?.encode(lock) };
}

describe('Mutex: poisoning when a holder dies', () => {
  it("a worker of the user's own that dies holding the lock poisons it (markThreadDead on exit)", async () => {
    const m = new Mutex();
    const flags = sharedFlags();
    const worker = new Worker(new URL('../../fixtures/sync-holder.mjs', import.meta.url), { workerData: { kind: 'mutex', encoded: encode('weft.Mutex', m), flags } });
    const id = await new Promise<number>((resolve) => worker.once('message', resolve));
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    worker.on('exit', () => markThreadDead(id));
    await waitUntilChanged(flags, 0, 0);
    const waiter = m.lock();
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    expect(await exited).toBe(7);
    expect(await rejectionOf(within(waiter, 5000, 'the waiter'))).toBeInstanceOf(PoisonError);
  });
});

describe('RwLock', () => {
  it('a writer that dies holding it poisons it; recovery with ignorePoison and clearPoison', async () => {
    const l = new RwLock();
    const flags = sharedFlags();
    const worker = new Worker(new URL('../../fixtures/sync-holder.mjs', import.meta.url), { workerData: { kind: 'rw-lock', encoded: encode('weft.RwLock', l), flags } });
    const id = await new Promise<number>((resolve) => worker.once('message', resolve));
    worker.on('exit', () => markThreadDead(id));
    await waitUntilChanged(flags, 0, 0);
    const reader = l.read();
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    const err = await rejectionOf<PoisonError>(within(reader, 5000, 'the reader'));
    expect(err).toBeInstanceOf(PoisonError);
    expect(err.threadId).toBe(id);
    expect(() => l.tryWrite()).toThrow(PoisonError);
    const w = await l.write({ ignorePoison: true });
    l.clearPoison();
    w.unlock();
    (await l.read()).unlock();
  });
});
