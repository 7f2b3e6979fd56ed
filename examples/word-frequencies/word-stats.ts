// Word statistics over a generated corpus, streamed line by line: every line
// (a paragraph of about 100 words) goes through `parallelStream`, which runs
// a module task that stems and counts its words on the workers, reading the
// files only as fast as results are consumed. The per-line counts are merged
// here as they arrive, and a histogram of line lengths is folded with
// `par(...).fold` (one histogram per chunk on a worker, merged here). A
// sequential pass over the same lines must agree exactly.
//   npm run stats           the full run
//   npm test                includes a quick run (--small)
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { par, parallelStream } from 'weftjs';
import { countLine, type CountContext } from './count-words.mjs';
import { mergeCounts, sameCounts } from './counts.js';
import { generateCorpus } from './generate-corpus.js';
import { finish, progress } from '@weft/example-support';

const small = process.argv.includes('--small');
const files = small ? 8 : 60;
const wordsPerFile = small ? 5_000 : 60_000;
const context: CountContext = { stopWords: ['the', 'a', 'of', 'and', 'to', 'in', 'is', 'it', 'that', 'with', 'on', 'for', 'as', 'was', 'by', 'at'] };
/** Buckets of the line-length histogram: 0-15 stems, 16-31, ..., 240 and more. */
const BUCKETS = 16;

/** Every line of every file, read as the consumer asks for more (no file is loaded whole). */
async function* corpusLines(paths: readonly string[]): AsyncGenerator<string> {
  for (const path of paths) yield* createInterface({ input: createReadStream(path), crlfDelay: Infinity });
}

/** Stems on a line: the sum of its counts. */
const stemsOn = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);

const dir = mkdtempSync(join(tmpdir(), 'weft-word-stats-'));
try {
  console.log(`Word statistics over ${files} generated files (${(files * wordsPerFile).toLocaleString('en')} words), streamed line by line, on ${availableParallelism()} cores\n`);
  const paths = generateCorpus({ dir, files, wordsPerFile, seed: 20240802, lineBreak: 0.01, onProgress: progress('writing corpus', 'files') });
  finish(`  corpus written to ${dir}`);

  // Sequential: the same task function, called directly on each line (defineTask returns it unchanged).
  let t0 = performance.now();
  const sequentialCounts = new Map<string, number>();
  const sequentialHistogram = new Array<number>(BUCKETS).fill(0);
  let lines = 0;
  for await (const line of corpusLines(paths)) {
    const counts = countLine(line, lines++, context);
    mergeCounts(sequentialCounts, counts);
    sequentialHistogram[Math.min(BUCKETS - 1, stemsOn(counts) >> 4)]! += 1;
  }
  const sequentialMs = performance.now() - t0;
  finish(`  sequential:          ${sequentialMs.toFixed(0).padStart(6)} ms, ${lines.toLocaleString('en')} lines`);

  // Parallel: lines stream through the workers, at most 256 read ahead of this loop.
  t0 = performance.now();
  const counts = new Map<string, number>();
  const stemsPerLine: number[] = [];
  for await (const lineCounts of parallelStream(corpusLines(paths), countLine, { context, highWaterMark: 256 })) {
    mergeCounts(counts, lineCounts);
    stemsPerLine.push(stemsOn(lineCounts));
  }
  const streamMs = performance.now() - t0;
  // The histogram: each chunk of line lengths folds into a histogram of its own on a worker.
  const histogram = await par(stemsPerLine, { context: { buckets: BUCKETS } }).fold(
    () => new Array<number>(16).fill(0),
    (acc, stems, _i, ctx) => {
      acc[Math.min(ctx.buckets - 1, stems >> 4)]! += 1;
      return acc;
    },
    (a, b) => a.map((n, i) => n + b[i]!),
  );
  const parallelMs = performance.now() - t0;
  finish(`  parallelStream:      ${streamMs.toFixed(0).padStart(6)} ms (includes starting the workers and importing the task module)`);
  finish(`  + par().fold:        ${(parallelMs - streamMs).toFixed(0).padStart(6)} ms`);

  if (!sameCounts(counts, sequentialCounts)) throw new Error('parallel counts disagree with the sequential counts');
  if (JSON.stringify(histogram) !== JSON.stringify(sequentialHistogram)) throw new Error(`histograms disagree: ${JSON.stringify(histogram)} vs ${JSON.stringify(sequentialHistogram)}`);
  const total = stemsPerLine.reduce((a, b) => a + b, 0);
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
  console.log(`\n  ${total.toLocaleString('en')} stems on ${stemsPerLine.length.toLocaleString('en')} lines, ${counts.size} distinct; most frequent:`);
  for (const [stem, count] of top) console.log(`    ${stem.padEnd(12)} ${count.toLocaleString('en').padStart(10)}`);
  console.log('  lines by stems (0-15, 16-31, ...):');
  console.log(`    ${histogram.join(' ')}`);
  console.log(`\n  counts and histogram match; speedup ${(sequentialMs / parallelMs).toFixed(2)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
