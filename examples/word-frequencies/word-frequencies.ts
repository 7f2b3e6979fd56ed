// Word frequencies over many text files: a module function (defineTask) that
// imports an npm package, run by parallelMap over the files; the per-file
// counts are merged on the calling thread. Sequential and parallel runs must
// agree exactly.
//   npm start               the full run
//   npm test                a quick run (--small), used by the smoke test
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parallelMap } from 'weftjs';
import { countWords, type CountContext } from './count-words.mjs';
import { mergeCounts, sameCounts } from './counts.js';
import { generateCorpus } from './generate-corpus.js';
import { finish, progress } from '@weft/example-support';

const small = process.argv.includes('--small');
const files = small ? 40 : 400;
const wordsPerFile = small ? 2_000 : 12_000;

// The generator's filler words; skipped by the counter.
const context: CountContext = { stopWords: ['the', 'a', 'of', 'and', 'to', 'in', 'is', 'it', 'that', 'with', 'on', 'for', 'as', 'was', 'by', 'at'] };

const dir = mkdtempSync(join(tmpdir(), 'weft-words-'));
try {
  console.log(`Counting word stems in ${files} generated files (${(files * wordsPerFile).toLocaleString('en')} words) on ${availableParallelism()} cores\n`);
  const paths = generateCorpus({ dir, files, wordsPerFile, seed: 20240801, onProgress: progress('writing corpus', 'files') });
  finish(`  corpus written to ${dir}`);

  // Sequential: the same function, called directly (defineTask returns it unchanged).
  const report = progress('sequential', 'files');
  let t0 = performance.now();
  const sequential = new Map<string, number>();
  paths.forEach((path, i) => {
    mergeCounts(sequential, countWords(path, i, context));
    report(i + 1, files);
  });
  const sequentialMs = performance.now() - t0;
  finish(`  sequential:   ${sequentialMs.toFixed(0).padStart(6)} ms`);

  // Parallel: items are only paths; each worker imports count-words.mjs (and
  // with it `stemmer`), reads its files and sends back one Map per file,
  // which are merged here. With --small every file goes to a worker
  // (inline: 'never'; otherwise Weft might find the job too small and run it
  // all on this thread), so the check below really tests the workers.
  t0 = performance.now();
  const perFile = await parallelMap(paths, countWords, { context, inline: small ? 'never' : 'auto', onProgress: progress('parallelMap', 'files') });
  const parallel = perFile.reduce(mergeCounts, new Map<string, number>());
  const parallelMs = performance.now() - t0;
  finish(`  parallelMap:  ${parallelMs.toFixed(0).padStart(6)} ms (includes starting the workers and importing the task module)`);

  if (!sameCounts(parallel, sequential)) throw new Error('parallelMap counts disagree with the sequential counts');
  const totalWords = [...parallel.values()].reduce((a, b) => a + b, 0);
  const top = [...parallel].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  console.log(`\n  ${totalWords.toLocaleString('en')} words counted, ${parallel.size} distinct stems; most frequent:`);
  for (const [stem, count] of top) console.log(`    ${stem.padEnd(12)} ${count.toLocaleString('en').padStart(10)}`);
  console.log(`\n  counts match; speedup ${(sequentialMs / parallelMs).toFixed(2)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
