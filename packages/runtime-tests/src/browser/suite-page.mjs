// The portable suite in a cross-origin isolated page. Before Weft loads,
// Atomics.wait on this (the main) thread is wrapped to record every call:
// the page's thread may only ever wait asynchronously. A call that cannot
// block (timeout 0: Weft's one-time probe of whether this thread may block)
// is counted apart; any other call fails the run. The result lands in
// window.__weftResult for the Playwright driver.
const blockingWaits = [];
let probes = 0;
const realWait = Atomics.wait;
Atomics.wait = function wait(array, index, value, timeout) {
  if (timeout === 0) probes++;
  else blockingWaits.push(new Error(`Atomics.wait(..., ${index}, ${value}, ${timeout}) on the main thread`).stack);
  return realWait.call(this, array, index, value, timeout);
};

const log = document.getElementById('log');
const print = (line) => {
  console.log(line);
  log.textContent += `${line}\n`;
};

try {
  const { describe, expect, it, run } = await import('../harness.mjs');
  describe('browser page', () => {
    it('is cross-origin isolated, with SharedArrayBuffer and Atomics.waitAsync', () => {
      expect(globalThis.crossOriginIsolated).toBe(true);
      expect(typeof SharedArrayBuffer).toBe('function');
      expect(typeof Atomics.waitAsync).toBe('function');
    });
  });
  await import('../suites/index.mjs');
  describe('browser page', () => {
    it('the main thread never blocked: no Atomics.wait that could block during the whole suite', () => {
      print(`  (Atomics.wait on the main thread: ${probes} non-blocking probe(s), ${blockingWaits.length} blocking call(s))`);
      expect(blockingWaits).toEqual([]);
    });
  });
  window.__weftResult = await run({ log: print });
} catch (err) {
  window.__weftResult = { runtime: 'browser', passed: 0, failed: 1, skipped: 0, ms: 0, failures: [{ name: 'loading the suite', error: String(err?.stack ?? err) }] };
}
