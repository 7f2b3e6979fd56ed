// The stream suite's memory figure, in a process of its own (so that what earlier suites left in the
// heap does not count): stream COUNT items of 1 kB from an endless generator through parallelStream
// with highWaterMark 256, and print the resident-set growth from the 100,000th item to the peak
// (sampled every 50,000), with the throughput.
//   node stream-memory-child.mjs COUNT
import { parallelStream } from 'weftjs';

const count = Number(process.argv[2]);

/** Endless 1 kB strings, each a new one. */
async function* kilobyteItems() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz012345';
  for (let i = 0; ; i++) yield alphabet.slice(i % 32) + alphabet.repeat(31) + alphabet.slice(0, i % 32);
}

const stream = parallelStream(kilobyteItems(), (s) => s.length, { highWaterMark: 256 });
let seen = 0;
let bytes = 0;
let startRss = 0;
let peakRss = 0;
const t0 = performance.now();
for await (const length of stream) {
  bytes += length;
  seen++;
  // From the first 100,000 on (pools started, code compiled), sampled every 50,000.
  if (seen % 50_000 === 0) {
    const rss = process.memoryUsage().rss;
    if (seen === 100_000) startRss = rss;
    peakRss = Math.max(peakRss, rss);
  }
  if (seen === count) break; // calls the generator's return()
}
const ms = performance.now() - t0;
if (bytes !== count * 1024) throw new Error(`stream memory: ${bytes} bytes streamed, expected ${count * 1024}`);
console.log(JSON.stringify({ growthMb: (peakRss - startRss) / 2 ** 20, itemsPerSecond: count / (ms / 1000) }));
