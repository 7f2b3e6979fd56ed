// Blur, then edge-detect, a grayscale image held in shared memory, one row per
// parallelMap item. The tasks return nothing: each writes its row straight
// into a shared output buffer, so no pixels are copied between threads.
// Sequential and parallel outputs must be identical, byte for byte.
//   npm start                    the full run (a 6000 × 4000 image)
//   npm start -- --out <dir>     also write input.pgm, blurred.pgm and edges.pgm there
//   npm test                     a quick run (--small), used by the smoke test
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parallelMap } from 'weftjs';
import { blurRow, sobelRow, type FilterContext } from './filters.js';
import { drawSyntheticImage } from './synthetic-image.js';
import { finish, progress } from '@weft/example-support';

const small = process.argv.includes('--small');
const outFlag = process.argv.indexOf('--out');
const outDir = outFlag === -1 ? undefined : process.argv[outFlag + 1];
if (outFlag !== -1 && outDir === undefined) throw new TypeError('--out needs a directory');
const width = small ? 320 : 6000;
const height = small ? 200 : 4000;

/**
 * A `width` × `height` grayscale image on a SharedArrayBuffer. Passed in
 * `context`, such a typed array is shared with the workers, not copied:
 * what a worker writes into it, this thread sees.
 */
function sharedImage(): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(width * height));
}

/** Where two images first differ, as `[x, y]`, or `undefined` when they are equal. */
function firstDifference(a: Uint8Array, b: Uint8Array): [number, number] | undefined {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return [i % width, Math.floor(i / width)];
  return undefined;
}

const image = sharedImage();
drawSyntheticImage(image, width, height, 8);
console.log(`Blurring and edge-detecting a ${width} × ${height} image (${((width * height) / 1e6).toFixed(1)} MP) on ${availableParallelism()} cores\n`);

// Sequential: the same row functions, called in a loop.
const sequentialBlurred = sharedImage();
const sequentialEdges = sharedImage();
let t0 = performance.now();
for (const [label, filter, ctx] of [
  ['sequential blur', blurRow, { width, height, src: image, dst: sequentialBlurred }],
  ['sequential edges', sobelRow, { width, height, src: sequentialBlurred, dst: sequentialEdges }],
] as const) {
  const report = progress(label, 'rows');
  for (let y = 0; y < height; y++) {
    filter(y, y, ctx);
    if (y % 64 === 63 || y === height - 1) report(y + 1, height);
  }
}
const sequentialMs = performance.now() - t0;
finish(`  sequential:   ${sequentialMs.toFixed(0).padStart(6)} ms`);

// Parallel: the items are row numbers; the buffers travel once per worker in
// `context`. Rows are independent within a pass, so any worker may take any
// row; but the edge pass reads neighbouring rows of the blurred image, so it
// starts only after the whole blur pass has finished (the `await`).
// With --small every row goes to a worker (inline: 'never'); otherwise Weft
// may judge so small an image not worth the workers and run it all here, and
// the comparison below would not test the workers at all.
const rows = Array.from({ length: height }, (_, y) => y);
const inline = small ? 'never' : 'auto';
const parallelBlurred = sharedImage();
const parallelEdges = sharedImage();
t0 = performance.now();
const blurContext: FilterContext = { width, height, src: image, dst: parallelBlurred };
await parallelMap(rows, blurRow, { context: blurContext, inline, onProgress: progress('parallel blur', 'rows') });
const edgeContext: FilterContext = { width, height, src: parallelBlurred, dst: parallelEdges };
await parallelMap(rows, sobelRow, { context: edgeContext, inline, onProgress: progress('parallel edges', 'rows') });
const parallelMs = performance.now() - t0;
finish(`  parallelMap:  ${parallelMs.toFixed(0).padStart(6)} ms (includes starting the workers)`);

for (const [name, sequential, parallel] of [
  ['blurred', sequentialBlurred, parallelBlurred],
  ['edges', sequentialEdges, parallelEdges],
] as const) {
  const at = firstDifference(sequential, parallel);
  if (at) throw new Error(`parallel and sequential ${name} images differ at x=${at[0]}, y=${at[1]}`);
}
console.log(`\n  outputs identical, byte for byte; speedup ${(sequentialMs / parallelMs).toFixed(2)}x`);

if (outDir !== undefined) {
  mkdirSync(outDir, { recursive: true });
  // PGM ("portable graymap"): a text header, then the raw bytes. Most image viewers open it.
  const header = Buffer.from(`P5\n${width} ${height}\n255\n`);
  for (const [name, pixels] of [['input', image], ['blurred', parallelBlurred], ['edges', parallelEdges]] as const) {
    writeFileSync(join(outDir, `${name}.pgm`), Buffer.concat([header, pixels]));
  }
  console.log(`  wrote input.pgm, blurred.pgm and edges.pgm to ${outDir}`);
}
