// What a browser app loads: `weftjs` bundled for the browser by esbuild
// (everything it exports, with acorn and msgpackr), minified, then gzipped.
// The figure has a budget, so that the bundle cannot grow unnoticed.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The budget for weftjs in a browser bundle, min+gzip, in bytes. */
export const SIZE_BUDGET_BYTES = 128_000;

/** `{ minified, gzipped }` bytes of a browser bundle of everything `weftjs` exports. */
export async function browserBundleSize() {
  const result = await build({
    stdin: { contents: "export * from 'weftjs';", resolveDir: new URL('.', import.meta.url).pathname, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}

/** The size suite: one figure, against its budget. */
export async function sizeSuite({ record }) {
  const { minified, gzipped } = await browserBundleSize();
  const kb = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
  record('weftjs in a browser bundle (esbuild, minified)', 'weftjs', minified / 1000, 'kB', `${kb(gzipped)} gzipped`);
  record('weftjs in a browser bundle (min+gzip)', 'weftjs', gzipped / 1000, 'kB', `budget ${kb(SIZE_BUDGET_BYTES)}: ${gzipped <= SIZE_BUDGET_BYTES ? 'within' : 'OVER'}`);
}
