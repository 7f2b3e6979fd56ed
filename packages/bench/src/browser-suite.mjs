// Browser cold start: what the first parallelMap call in a page costs, in the Chromium that
// `npm install` brings (@sparticuz/chromium, through packages/runtime-tests' launcher), beside a
// warm call and the platform's floor (a bare Web Worker's first message). Each sample is a fresh
// page, so every one starts cold. Skipped, saying why, when no browser can be launched.
import { chromium } from 'playwright-core';
import { chromiumPath, LAUNCH_ARGS } from '@weft/runtime-tests/src/browser/run-chromium.mjs';
import { serve } from '@weft/runtime-tests/src/browser/serve.mjs';

const PAGE = '/packages/bench/src/browser/cold-start.html';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** `samples` fresh pages, each one cold start; resolves to their results. */
export async function coldStarts(samples) {
  const server = await serve({ isolated: true });
  let browser;
  try {
    browser = await chromium.launch({ executablePath: await chromiumPath(), headless: true, args: LAUNCH_ARGS, timeout: 60_000 });
    const results = [];
    for (let i = 0; i < samples; i++) {
      const context = await browser.newContext(); // no cache shared between samples
      const page = await context.newPage();
      try {
        await page.goto(`${server.url}${PAGE}`, { timeout: 30_000 });
        const handle = await page.waitForFunction(() => window.__weftColdStart, undefined, { timeout: 30_000, polling: 20 });
        const result = await handle.jsonValue();
        if (result.error) throw new Error(`cold-start page: ${result.error}`);
        results.push(result);
      } finally {
        await context.close();
      }
    }
    return { version: browser.version(), results };
  } finally {
    await browser?.close();
    await server.close();
  }
}

/** The browser suite: cold and warm first calls, against the platform floor. */
export async function browserSuite({ record, quick }) {
  let run;
  try {
    run = await coldStarts(quick ? 3 : 9);
  } catch (err) {
    record('browser cold start: first parallelMap call', 'weftjs', Number.NaN, 'ms', `skipped: no browser (${String(err?.message ?? err).split('\n')[0]})`);
    return;
  }
  const m = (key) => median(run.results.map((r) => r[key]));
  const workers = run.results[0].workers;
  const floor = m('bareModuleMs');
  const note = `Chromium ${run.version}, ${workers} workers, median of ${run.results.length} fresh pages`;
  record('browser: import weftjs (fresh page)', 'weftjs', m('importMs'), 'ms', note);
  record('browser cold start: first parallelMap call (64 trivial items)', 'weftjs', m('coldMs'), 'ms',
    `${(m('coldMs') / floor).toFixed(1)}x a bare module worker's first message (${floor.toFixed(1)} ms; classic ${m('bareClassicMs').toFixed(1)} ms)`,
    { baseline: false });
  record('browser warm call (same 64 items, same pool)', 'weftjs', m('warmMs'), 'ms', `cold - warm: ${(m('coldMs') - m('warmMs')).toFixed(1)} ms`);
}
