// The built Vite example (examples/browser) in headless Chromium: the page
// draws the Mandelbrot set with parallelMap into a SharedArrayBuffer, times a
// cold call, a warm call and the same code on the main thread, and compares
// the pictures. Here we check that it ran, that the pictures agree, that the
// canvas shows a picture (not one colour), and keep a screenshot. Timings
// are printed, never asserted: they depend on the machine.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './serve.mjs';

/** Where the screenshot goes (gitignored). */
export const screenshotPath = fileURLToPath(new URL('../../.out/browser-example.png', import.meta.url));

/** The page's own bound: the default picture takes about a second of CPU on each run. */
const PAGE_TIMEOUT_MS = 120_000;
/** A Mandelbrot picture has hundreds of colours; a blank or one-colour canvas has one or two. */
const MIN_DISTINCT_COLOURS = 64;

/** "1.90x faster", or "1.30x slower": the ratio against the sequential run, in the honest direction. */
function versus(sequentialMs, ms) {
  const ratio = sequentialMs / ms;
  return ratio >= 1 ? `${ratio.toFixed(2)}x faster than sequential` : `${(1 / ratio).toFixed(2)}x slower than sequential`;
}

/** Run the example's checks in `browser` against the server at `baseUrl`; returns a runtime result for the summary. */
export async function checkExample(browser, baseUrl, log) {
  const started = Date.now();
  const result = { runtime: 'browser', passed: 0, failed: 0, skipped: 0, ms: 0, failures: [] };
  const check = async (name, fn) => {
    try {
      await fn();
      result.passed++;
      log(`  ok ${name}`);
    } catch (err) {
      result.failed++;
      result.failures.push({ name, error: String(err?.message ?? err) });
      log(`  FAIL ${name}\n       ${err?.message ?? err}`);
    }
  };
  const dist = join(repoRoot, 'examples/browser/dist');
  await check('vite build emitted index.html and one script the page loads: no worker file to copy', () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error(`${dist}/index.html is missing: run the example's build (turbo does, before this test)`);
    // Besides the entry, only the native thread runtime and Node's worker_threads backend may be split off:
    // dynamic imports a browser (no Thread API, not Node) never makes.
    const scripts = readdirSync(join(dist, 'assets')).filter((f) => /\.(m?js)$/.test(f));
    const lazy = /^(native-thread-main|node-worker)-/;
    const entries = scripts.filter((f) => !lazy.test(f));
    if (entries.length !== 1) throw new Error(`expected one script in dist/assets besides the lazy native runtime and Node backend, found ${scripts.join(', ') || 'none'}`);
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    if (!html.includes(entries[0])) throw new Error(`index.html does not load ${entries[0]}`);
    for (const file of scripts.filter((f) => lazy.test(f))) if (html.includes(file)) throw new Error(`index.html loads ${file}, which only Node or a native engine needs`);
  });
  await check('the built app draws the Mandelbrot set with parallelMap in Chromium, the same pixels as sequential code', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors = [];
    page.on('console', (message) => log(`  page: ${message.text()}`));
    page.on('pageerror', (err) => errors.push(`uncaught in page: ${err.message}`));
    try {
      const loadStarted = Date.now();
      await page.goto(`${baseUrl}/examples/browser/dist/index.html`, { timeout: PAGE_TIMEOUT_MS });
      await page.waitForFunction(() => document.body.dataset.status !== 'running', undefined, { timeout: PAGE_TIMEOUT_MS, polling: 50 }).catch((err) => {
        throw new Error(`no result within ${PAGE_TIMEOUT_MS} ms (${err.message.split('\n')[0]})${errors.length ? `; ${errors.join('; ')}` : ''}`);
      });
      const untilResultMs = Date.now() - loadStarted;
      const shown = await page.evaluate(() => ({
        status: document.body.dataset.status,
        summary: document.getElementById('summary').textContent,
        data: { ...document.getElementById('summary').dataset },
      }));
      log(`  page says: ${shown.summary}`);
      if (shown.status !== 'done') throw new Error(`the page ended with status ${JSON.stringify(shown.status)}: ${shown.summary}`);

      const d = shown.data;
      const [cold, warm, sequential] = [Number(d.coldMs), Number(d.warmMs), Number(d.sequentialMs)];
      log(`  picture: ${d.width} x ${d.height} pixels on ${d.workers} workers`);
      log(`  cold (first call, starts the workers): ${cold.toFixed(0)} ms, ${versus(sequential, cold)}`);
      log(`  warm (second call, same pool):         ${warm.toFixed(0)} ms, ${versus(sequential, warm)}`);
      log(`  sequential (main thread):              ${sequential.toFixed(0)} ms`);
      log(
        `  cold start: first picture ${Number(d.firstResultMs).toFixed(0)} ms after navigation start ` +
          `(script running at ${Number(d.scriptStartedMs).toFixed(0)} ms; worker start-up, from the call to the first row on a worker: ` +
          `${Number(d.coldStartupMs).toFixed(0)} ms; cold - warm: ${(cold - warm).toFixed(0)} ms); ` +
          `${untilResultMs} ms from page.goto to the whole page done`,
      );

      if (d.match !== 'true') throw new Error('the page reports that the parallel pixels differ from the sequential pixels');
      if (!(d.checksumCold === d.checksumSequential && d.checksumWarm === d.checksumSequential)) {
        throw new Error(`checksums differ: cold ${d.checksumCold}, warm ${d.checksumWarm}, sequential ${d.checksumSequential}`);
      }

      // What is on the canvas: its distinct colours, and the checksum of its pixels (the page's FNV-1a), read back in the page.
      const canvas = await page.evaluate(() => {
        const element = document.getElementById('picture');
        const pixels = new Uint32Array(element.getContext('2d').getImageData(0, 0, element.width, element.height).data.buffer);
        const colours = new Set();
        let hash = 0x811c9dc5;
        for (let i = 0; i < pixels.length; i++) {
          colours.add(pixels[i]);
          hash = Math.imul(hash ^ pixels[i], 0x01000193);
        }
        return { width: element.width, height: element.height, distinct: colours.size, checksum: (hash >>> 0).toString(16).padStart(8, '0') };
      });
      log(`  canvas: ${canvas.width} x ${canvas.height}, ${canvas.distinct} distinct colours, checksum ${canvas.checksum}`);
      if (canvas.distinct <= MIN_DISTINCT_COLOURS) throw new Error(`the canvas has only ${canvas.distinct} distinct colours: no picture was drawn`);
      if (canvas.checksum !== d.checksumSequential) {
        throw new Error(`the canvas's pixels (checksum ${canvas.checksum}) are not the computed picture (${d.checksumSequential})`);
      }

      mkdirSync(dirname(screenshotPath), { recursive: true });
      await page.screenshot({ path: screenshotPath, fullPage: true });
      log(`  screenshot: ${relative(repoRoot, screenshotPath)}`);
      if (errors.length) throw new Error(errors.join('; '));
    } finally {
      await page.close().catch(() => undefined);
    }
  });
  result.ms = Date.now() - started;
  return result;
}
