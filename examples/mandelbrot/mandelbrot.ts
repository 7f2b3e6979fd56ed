// Render the Mandelbrot set with parallelMap, one row per item, and write it
// as a PNG. Each task returns its row's bytes (Weft sends results back in
// batches, in input order); compare examples/image-filter, where tasks write
// into a shared buffer instead. The rows are rendered sequentially too, to
// check they are identical and to print the speedup.
//   npm start                      the full run, written to <tmpdir>/weft-mandelbrot.png
//   npm start -- --out <file.png>  write it elsewhere
//   npm start -- --size 800x600    another size (default 3000x2000)
//   npm start -- --small           a quick run (240x160, fewer iterations)
import { writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parallelMap } from 'weftjs';
import { encodePng } from './encode-png.js';
import { renderRow, type View } from './render-row.js';
import { finish, progress } from '@weft/example-support';

/** The value after `flag` on the command line, or `fallback` when the flag is absent. */
function flagValue(flag: string, fallback: string): string {
  const at = process.argv.indexOf(flag);
  if (at === -1) return fallback;
  const value = process.argv[at + 1];
  if (value === undefined) throw new TypeError(`${flag} needs a value`);
  return value;
}

const small = process.argv.includes('--small');
const outPath = flagValue('--out', join(tmpdir(), 'weft-mandelbrot.png'));
const size = flagValue('--size', small ? '240x160' : '3000x2000');
const [width, height] = size.split('x').map(Number) as [number, number];
if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
  throw new RangeError(`--size must look like 800x600, received ${size}`);
}

// The whole set, 3.6 units of the complex plane across.
const view: View = { width, height, centerX: -0.7, centerY: 0, pixelSize: 3.6 / width, maxIterations: small ? 200 : 1000 };

console.log(`Rendering the Mandelbrot set at ${width} × ${height}, up to ${view.maxIterations} iterations a pixel, on ${availableParallelism()} cores\n`);

// Sequential: the same row function, called in a loop.
const report = progress('sequential', 'rows');
let t0 = performance.now();
const sequential: Uint8Array[] = [];
for (let y = 0; y < height; y++) {
  sequential.push(renderRow(y, y, view));
  if (y % 16 === 15 || y === height - 1) report(y + 1, height);
}
const sequentialMs = performance.now() - t0;
finish(`  sequential:   ${sequentialMs.toFixed(0).padStart(6)} ms`);

// Parallel: the items are row numbers and the view travels once per worker
// in `context`. The middle rows cost far more than the edges; the default
// chunking (large chunks first, shrinking towards the end) keeps every
// worker busy without our picking a chunkSize.
const rows = Array.from({ length: height }, (_, y) => y);
t0 = performance.now();
const parallel = await parallelMap(rows, renderRow, { context: view, onProgress: progress('parallelMap', 'rows') });
const parallelMs = performance.now() - t0;
finish(`  parallelMap:  ${parallelMs.toFixed(0).padStart(6)} ms (includes starting the workers)`);

const differs = parallel.findIndex((row, y) => Buffer.compare(row, sequential[y]!) !== 0);
if (differs !== -1) throw new Error(`parallel and sequential renderings differ in row ${differs}`);

writeFileSync(outPath, encodePng(width, height, parallel));
console.log(`\n  rows identical; speedup ${(sequentialMs / parallelMs).toFixed(2)}x`);
console.log(`  wrote ${outPath}`);
