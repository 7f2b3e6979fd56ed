// The function the workers run. It lives in a module, declared with
// defineTask, because it needs imports (node:fs and the `stemmer` npm
// package): an inline function shipped as source could not use them. Only
// this module's URL and the task's position cross to a worker; the worker
// imports the module itself, and with it `stemmer`.
//
// Why JavaScript (typed with JSDoc, checked by tsc through `checkJs`) and
// not a .ts file: the worker imports this module by its URL, and on Node 20
// a loader such as tsx's does not reach worker threads (nodejs/node#47747),
// so a worker cannot import a .ts module.
import { readFileSync } from 'node:fs';
import { stemmer } from 'stemmer';
import { defineTask } from 'weftjs';

/**
 * What every call shares, sent once per worker through `context`.
 * @typedef {object} CountContext
 * @property {readonly string[]} stopWords - words skipped before stemming (lower case)
 */

/**
 * Count the stems of the words in one text file. The worker reads the file
 * itself, so only the path crosses the thread boundary, and the counts come
 * back as a Map (Weft's codec keeps Maps as Maps).
 */
export const countWords = defineTask(
  import.meta.url,
  /**
   * @param {string} path
   * @param {number} _index
   * @param {CountContext} ctx
   * @returns {Map<string, number>}
   */
  (path, _index, ctx) => {
    const stopWords = new Set(ctx.stopWords);
    /** @type {Map<string, number>} */
    const counts = new Map();
    const text = readFileSync(path, 'utf8').toLowerCase();
    for (const word of text.split(/[^a-z']+/)) {
      if (word.length < 2 || stopWords.has(word)) continue;
      const stem = stemmer(word);
      counts.set(stem, (counts.get(stem) ?? 0) + 1);
    }
    return counts;
  },
);

/**
 * The stem counts of one line (stop words skipped): what `word-stats.ts`
 * streams every line of the corpus through (`parallelStream`), one line per
 * item. Defined after `countWords`: a worker finds tasks by their order.
 */
export const countLine = defineTask(
  import.meta.url,
  /**
   * @param {string} line
   * @param {number} _index
   * @param {CountContext} ctx
   * @returns {Map<string, number>}
   */
  (line, _index, ctx) => {
    /** @type {Map<string, number>} */
    const counts = new Map();
    for (const word of line.toLowerCase().split(/[^a-z']+/)) {
      if (word.length < 2 || ctx.stopWords.includes(word)) continue;
      const stem = stemmer(word);
      counts.set(stem, (counts.get(stem) ?? 0) + 1);
    }
    return counts;
  },
);
