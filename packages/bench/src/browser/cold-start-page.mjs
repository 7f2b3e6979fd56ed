// One cold start of Weft in a fresh page (the bench's browser suite opens a new page per sample):
// loading weftjs, the first parallelMap call (which starts the workers) and a warm one, beside the
// platform's own floor, a bare Web Worker's first message. The result goes to window.__weftColdStart.
const scriptStarted = performance.now();
const items = Array.from({ length: 64 }, (_, i) => i);

/** A bare worker, from a Blob as Weft makes its own: milliseconds from `new Worker` to its first message. */
async function bareWorkerMs(type) {
  const url = URL.createObjectURL(new Blob(['postMessage(1);'], { type: 'text/javascript' }));
  const t0 = performance.now();
  const worker = new Worker(url, { type });
  await new Promise((resolve) => worker.addEventListener('message', resolve, { once: true }));
  const ms = performance.now() - t0;
  worker.terminate();
  URL.revokeObjectURL(url);
  return ms;
}

async function main() {
  const t0 = performance.now();
  const { parallelMap } = await import('weftjs');
  const importMs = performance.now() - t0;
  const t1 = performance.now();
  const cold = await parallelMap(items, (x) => x * 2, { inline: 'never' });
  const coldMs = performance.now() - t1;
  const t2 = performance.now();
  await parallelMap(items, (x) => x * 3, { inline: 'never' });
  const warmMs = performance.now() - t2;
  if (cold.length !== items.length || cold[63] !== 126) throw new Error(`wrong result: ${cold.slice(0, 4)}...`);
  return {
    importMs,
    coldMs,
    warmMs,
    bareClassicMs: await bareWorkerMs('classic'),
    bareModuleMs: await bareWorkerMs('module'),
    workers: navigator.hardwareConcurrency,
    scriptStartedMs: scriptStarted,
  };
}

main().then(
  (result) => (window.__weftColdStart = result),
  (err) => (window.__weftColdStart = { error: String(err?.stack ?? err) }),
);
