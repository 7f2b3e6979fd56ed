// What a browser app loads: `weftjs` bundled for the browser by esbuild
// (everything it exports, with acorn and msgpackr), minified, then gzipped.
// The figure has a budget, so that the bundle cannot grow unnoticed.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * The budget for weftjs in a browser bundle, min+gzip, in bytes. 128,000 until
 * parallelSort, parallelStream and transfer() came (about +8.5 kB); loading
 * the native thread runtime only where a native backend starts took 4.4 kB
 * back off, and 130,000 was the new line. Items streamed through a ring of
 * shared memory (backend/item-stream.ts, block-codec.ts: the writer in the
 * page, the reader in the embedded worker runtime) added about 1.6 kB, of
 * which loading worker_threads' backend only on Node and Deno took 0.15 kB
 * back: 131,000. Then 0.7 kB more: one slot transport for both backends
 * (sched/slot-transport.ts, in the page and in the worker runtime), numeric
 * result batches as transferred Float64Arrays, the map plan's per-kind
 * crossing factors and the flat context copy, the probe as a function of its
 * own (131,726 bytes measured): 132,000. The next cut is the code the main
 * bundle and the embedded worker runtime both carry (msgpackr, sync/,
 * channel/, codec/: about 95 kB minified twice).
 */
export const SIZE_BUDGET_BYTES = 132_000;

/**
 * `{ minified, gzipped }` bytes of a browser bundle of everything `weftjs`
 * exports: what a page loads at start, that is the entry chunk and the chunks
 * it imports statically. Code behind a dynamic `import()` (the native
 * backend's thread runtime, which no browser can use) is split off by the
 * bundler and never loaded there, so it is not counted.
 */
export async function browserBundleSize() {
  const result = await build({
    stdin: { contents: "export * from 'weftjs';", resolveDir: new URL('.', import.meta.url).pathname, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    outdir: '/size-suite-out',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const byPath = new Map(result.outputFiles.map((file) => [file.path, file.contents]));
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint !== undefined);
  // The entry and its static imports, transitively: what the page fetches before any of it runs.
  const loaded = new Set();
  const visit = (path) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const imported of outputs[path].imports) if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(entry);
  const parts = [...loaded].map((path) => byPath.get(new URL(path, 'file:///').pathname.replace(/^\/?/, '/')) ?? byPath.get(path));
  if (parts.some((bytes) => bytes === undefined)) throw new Error('size suite: a chunk of the bundle went missing');
  // Each file is fetched (and compressed) on its own.
  return {
    minified: parts.reduce((sum, bytes) => sum + bytes.byteLength, 0),
    gzipped: parts.reduce((sum, bytes) => sum + gzipSync(bytes, { level: 9 }).byteLength, 0),
    files: parts.length,
  };
}

/** The size suite: one figure, against its budget. */
export async function sizeSuite({ record }) {
  const { minified, gzipped, files } = await browserBundleSize();
  const kb = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
  record('weftjs in a browser bundle (esbuild, minified)', 'weftjs', minified / 1000, 'kB', `${kb(gzipped)} gzipped, ${files} files loaded at start`);
  record('weftjs in a browser bundle (min+gzip)', 'weftjs', gzipped / 1000, 'kB', `budget ${kb(SIZE_BUDGET_BYTES)}: ${gzipped <= SIZE_BUDGET_BYTES ? 'within' : 'OVER'}`);
}
