// Drives headless Chromium (the build that @sparticuz/chromium ships inside
// its npm package, or CHROMIUM_PATH, through playwright-core) over pages served on 127.0.0.1, and collects each page's
// result from window.__weftResult. Every wait is bounded; the browser and
// the servers are closed whatever happens.
import { chromium } from 'playwright-core';
import { checkExample } from './example-check.mjs';
import { serve } from './serve.mjs';

/**
 * The browser to drive: CHROMIUM_PATH when set, else the Chromium that
 * `npm install` brought with @sparticuz/chromium (unpacked on first use).
 */
export async function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const { default: packaged } = await import('@sparticuz/chromium');
  return packaged.executablePath();
}

// Not @sparticuz/chromium's default args: their --single-process and
// --disable-site-isolation-trials leave no page cross-origin isolated.
export const LAUNCH_ARGS = ['--no-sandbox', '--headless=new', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'];

/** Open `url`, echo its console through `log`, and wait (at most `timeoutMs`) for `expression` to be truthy; return its value. */
async function resultOf(browser, url, expression, { log, timeoutMs }) {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (message) => log(message.text()));
  page.on('pageerror', (err) => errors.push(`uncaught in page: ${err.message}`));
  try {
    await page.goto(url, { timeout: timeoutMs });
    const handle = await page.waitForFunction(expression, undefined, { timeout: timeoutMs, polling: 100 }).catch((err) => {
      throw new Error(`${url}: no result within ${timeoutMs} ms (${err.message.split('\n')[0]})${errors.length ? `; ${errors.join('; ')}` : ''}`);
    });
    return await handle.jsonValue();
  } finally {
    await page.close().catch(() => undefined);
  }
}

/** A failed result for the summary, when a page could not be run at all. */
const broken = (name, err) => ({ runtime: 'browser', passed: 0, failed: 1, skipped: 0, ms: 0, failures: [{ name, error: String(err?.message ?? err) }] });

/**
 * Run the browser checks; returns `{ version, results: [{ label, result }] }`.
 * `log` receives every line the pages print.
 */
export async function runChromium({ log = console.log } = {}) {
  const isolated = await serve({ isolated: true });
  const open = await serve({ isolated: false });
  let browser;
  const results = [];
  try {
    browser = await chromium.launch({ executablePath: await chromiumPath(), headless: true, args: LAUNCH_ARGS, timeout: 60_000 });
    const version = browser.version();
    const suitePath = '/packages/runtime-tests/src/browser';

    log('# suite, cross-origin isolated');
    results.push({
      label: 'suite',
      result: await resultOf(browser, `${isolated.url}${suitePath}/suite.html`, () => window.__weftResult, { log, timeoutMs: 180_000 }).catch((err) =>
        broken('the suite page', err),
      ),
    });

    log('# without COOP/COEP');
    results.push({
      label: 'no isolation',
      result: await resultOf(browser, `${open.url}${suitePath}/no-isolation.html`, () => window.__weftResult, { log, timeoutMs: 60_000 }).catch((err) =>
        broken('the no-isolation page', err),
      ),
    });

    log('# the Vite example (examples/browser, built)');
    results.push({ label: 'vite example', result: await checkExample(browser, isolated.url, log) });
    return { version, results };
  } finally {
    await browser?.close().catch(() => undefined);
    await Promise.all([isolated.close(), open.close()]);
  }
}
