// Served WITHOUT COOP/COEP: no SharedArrayBuffer. Weft must fail with an
// error naming the missing headers, never compute something silently wrong.
const log = document.getElementById('log');
const print = (line) => {
  console.log(line);
  log.textContent += `${line}\n`;
};

try {
  const { describe, expect, it, rejectionOf, run } = await import('../harness.mjs');
  const { BackendUnavailableError, parallelMap, Pool } = await import('weftjs');
  const namesTheHeaders = (err) => {
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.code).toBe('WEFT_BACKEND_UNAVAILABLE');
    expect(err.message).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(err.message).toContain('Cross-Origin-Embedder-Policy: require-corp');
  };

  describe('browser page without cross-origin isolation', () => {
    it('has no SharedArrayBuffer (the premise)', () => {
      expect(globalThis.crossOriginIsolated).toBe(false);
      expect(typeof globalThis.SharedArrayBuffer).toBe('undefined');
    });

    it('parallelMap on workers rejects with BackendUnavailableError naming COOP/COEP', async () => {
      namesTheHeaders(await rejectionOf(parallelMap([1, 2, 3], (x) => x * 2, { inline: 'never' })));
    });

    it('parallelMap with default options computes the right result or rejects clearly', async () => {
      const items = Array.from({ length: 1000 }, (_, i) => i);
      const outcome = await parallelMap(items, (x) => x * 2).then((value) => ({ value }), (error) => ({ error }));
      if (outcome.error) namesTheHeaders(outcome.error);
      else expect(outcome.value).toEqual(items.map((x) => x * 2));
    });

    it('Pool.run rejects (or the Pool refuses to start) with BackendUnavailableError naming COOP/COEP', async () => {
      let err;
      try {
        const pool = new Pool({ size: 2 });
        err = await rejectionOf(pool.run((a, b) => a + b, 1, 2));
        await pool.terminate().catch(() => undefined);
      } catch (thrown) {
        err = thrown;
      }
      namesTheHeaders(err);
    });
  });
  window.__weftResult = await run({ log: print });
} catch (err) {
  window.__weftResult = { runtime: 'browser', passed: 0, failed: 1, skipped: 0, ms: 0, failures: [{ name: 'loading the page', error: String(err?.stack ?? err) }] };
}
