// One measurement of the memory suite, in a process of its own so that what it measures is its own:
//   node memory-child.mjs sequential|weft strings|numbers COUNT [THREADS]
//     build COUNT strings of ~110 bytes (mapped to their lengths) or COUNT doubles (mapped to x + 1),
//     map them sequentially or with parallelMap, and print the growth of the process's peak resident
//     set (VmHWM, all threads) over the baseline taken before the items existed, in MB;
//   node memory-child.mjs tasks COUNT THREADS
//     run COUNT trivial tasks through one Pool in batches of 10,000 and print the RSS growth from the
//     first 100,000 to the last, in percent.
import { readFileSync } from 'node:fs';

const [mode, ...rest] = process.argv.slice(2);
const kind = mode === 'tasks' ? undefined : rest.shift();
const [countArg, threadsArg] = rest;
const count = Number(countArg);
if (kind !== undefined && kind !== 'strings' && kind !== 'numbers') throw new RangeError(`memory-child: expected strings or numbers, received ${kind}`);

/** Peak resident set size of this process so far (kB), from /proc (Linux). */
function peakKb() {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error('memory suite: no VmHWM in /proc/self/status');
  return Number(match[1]);
}

const { Pool } = await import('weftjs');
if (mode === 'tasks') {
  const pool = new Pool({ size: Number(threadsArg) });
  const batch = 10_000;
  const inc = (x) => x + 1;
  let afterFirst = 0;
  for (let done = 0; done < count; done += batch) {
    await Promise.all(Array.from({ length: batch }, (_, i) => pool.run(inc, done + i)));
    if (done + batch === 100_000) afterFirst = process.memoryUsage().rss;
  }
  const afterLast = process.memoryUsage().rss;
  console.log(JSON.stringify({ growthPercent: ((afterLast - afterFirst) / afterFirst) * 100 }));
  await pool.close();
  process.exit(0);
}
const pool = mode === 'weft' ? new Pool({ size: Number(threadsArg) }) : undefined;
if (pool) await pool.map([1, 2, 3, 4], (x) => x, { inline: 'never' }); // workers started before the baseline
globalThis.gc?.();
const baseline = peakKb();
// Flat strings, as text read from a file or the network is. A template literal makes a rope (a cons
// string: 509 MB for these 2M, against 317 MB flat), and sending a rope to another thread, by any
// means (postMessage too), first flattens it: a flat copy of every item, kept by the items, which
// would count as the transport's memory.
const utf8 = new TextEncoder();
const text = new TextDecoder();
const items =
  kind === 'strings'
    ? Array.from({ length: count }, (_, i) => text.decode(utf8.encode(`item ${i}: ${'abcdefghij'.repeat(10)}`)))
    : Array.from({ length: count }, (_, i) => i * 1.5);
const fn = kind === 'strings' ? (s) => s.length : (x) => x + 1;
// inline: 'never': every item goes to a worker (a cheap function would otherwise run here, copying nothing).
const results = pool ? await pool.map(items, fn, { inline: 'never' }) : items.map(fn);
if (results.length !== count || results[count - 1] !== fn(items[count - 1])) throw new Error('memory suite: wrong results');
console.log(JSON.stringify({ growthMb: (peakKb() - baseline) / 1024 }));
await pool?.close();
