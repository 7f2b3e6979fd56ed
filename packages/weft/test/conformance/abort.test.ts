import { describe, expect, it } from 'vitest';
import { AbortError, parallelMap } from 'weftjs';
import { sharedFlags, waitUntilChanged, within } from '../helpers.js';
import { itOnWorkers } from '../backend.js';

describe('parallelMap: abort', () => {
  it('rejects at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    const err = await parallelMap([1, 2], (x) => x, { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as AbortError).code).toBe('WEFT_ABORTED');
    expect((err as AbortError).cause).toEqual(new Error('stop'));
  });

  itOnWorkers('rejects promptly while items run, and replaces workers stuck in a loop', 'a native thread cannot be stopped: an item that ignores the abort keeps its thread', async () => {
    const flags = sharedFlags();
    const ac = new AbortController();
    const run = parallelMap(
      [0, 1],
      (_x, _i, ctx) => {
        Atomics.add(ctx.flags, 0, 1);
        Atomics.notify(ctx.flags, 0);
        // Ignores the abort: spins until terminated.
        for (;;) if (Atomics.load(ctx.flags, 1) === 99) return 1;
      },
      { context: { flags }, signal: ac.signal, inline: 'never', chunkSize: 1 },
    );
    // Handshake: a worker is inside the function.
    await waitUntilChanged(flags, 0, 0);
    ac.abort();
    const err = await within(run.catch((e: unknown) => e), 2_000, 'the aborted call');
    expect(err).toBeInstanceOf(AbortError);
    // Had a stuck worker been left behind, this call would never finish.
    expect(await within(parallelMap([1, 2, 3, 4], (x) => x * 2, { inline: 'never' }), 10_000, 'the next call')).toEqual([2, 4, 6, 8]);
  });

  it('lets cooperative items stop without losing the pool', async () => {
    const ac = new AbortController();
    const run = parallelMap(
      Array.from({ length: 50_000 }, (_, i) => i),
      (x) => {
        let s = 0;
        for (let i = 0; i < 2_000; i++) s += i ^ x;
        return s;
      },
      { signal: ac.signal, inline: 'never', onProgress: () => ac.abort() },
    );
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(await parallelMap([5], (x) => x, { inline: 'never' })).toEqual([5]);
  });
});
