// A deterministic corpus, so the example needs no data set: the same seed
// writes the same files on every machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '@weft/example-support';

/** Word families whose members share one Porter stem, plus filler. */
const FAMILIES: readonly (readonly string[])[] = [
  ['connect', 'connected', 'connecting', 'connection', 'connections', 'connects'],
  ['run', 'runs', 'running', 'runner', 'runners'],
  ['thread', 'threads', 'threaded', 'threading'],
  ['work', 'works', 'worked', 'working', 'worker', 'workers'],
  ['share', 'shared', 'shares', 'sharing'],
  ['lock', 'locks', 'locked', 'locking'],
  ['wait', 'waits', 'waited', 'waiting'],
  ['signal', 'signals', 'signaled', 'signaling'],
  ['compute', 'computed', 'computing', 'computation', 'computations'],
  ['schedule', 'scheduled', 'scheduler', 'scheduling', 'schedules'],
  ['steal', 'steals', 'stealing'],
  ['queue', 'queues', 'queued', 'queueing'],
  ['memory', 'memories'],
  ['channel', 'channels'],
  ['parallel', 'parallelism', 'parallels'],
  ['balance', 'balanced', 'balancing', 'balances'],
  ['measure', 'measured', 'measuring', 'measurement', 'measurements'],
  ['generous', 'generously', 'generosity'],
  ['happy', 'happiness', 'happily'],
  ['relate', 'related', 'relating', 'relational', 'relation', 'relations'],
  ['condition', 'conditions', 'conditional', 'conditionally'],
  ['hope', 'hoped', 'hoping', 'hopeful', 'hopefully'],
  ['ocean', 'oceans'],
  ['river', 'rivers'],
  ['mountain', 'mountains', 'mountainous'],
  ['weave', 'weaves', 'weaving', 'weaver', 'woven'],
  ['spin', 'spins', 'spinning', 'spinner'],
  ['quick', 'quickly', 'quickness'],
  ['careful', 'carefully', 'carefulness'],
  ['agree', 'agreed', 'agreeing', 'agreement', 'agreements'],
];
const FILLER = ['the', 'a', 'of', 'and', 'to', 'in', 'is', 'it', 'that', 'with', 'on', 'for', 'as', 'was', 'by', 'at'];

export interface CorpusOptions {
  readonly dir: string;
  readonly files: number;
  readonly wordsPerFile: number;
  readonly seed: number;
  /** Chance that a line ends after a word (default 0.08: lines of about 12 words). */
  readonly lineBreak?: number;
  readonly onProgress?: (written: number, total: number) => void;
}

/**
 * Write `files` text files of about `wordsPerFile` words each into `dir` and
 * return their paths. Families are drawn with a skewed (Zipf-like)
 * distribution, so some stems are far more frequent than others.
 */
export function generateCorpus({ dir, files, wordsPerFile, seed, lineBreak = 0.08, onProgress }: CorpusOptions): string[] {
  mkdirSync(dir, { recursive: true });
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[], skew: number): T => list[Math.floor(list.length * random() ** skew)]!;
  const paths: string[] = [];
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    let line: string[] = [];
    for (let w = 0; w < wordsPerFile; w++) {
      let word = random() < 0.3 ? pick(FILLER, 1.5) : pick(pick(FAMILIES, 1.8), 1);
      if (line.length === 0) word = word[0]!.toUpperCase() + word.slice(1);
      line.push(word);
      if (random() < lineBreak) {
        lines.push(`${line.join(' ')}.`);
        line = [];
      }
    }
    lines.push(`${line.join(' ')}.`);
    const path = join(dir, `doc-${String(f).padStart(4, '0')}.txt`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    paths.push(path);
    onProgress?.(f + 1, files);
  }
  return paths;
}
