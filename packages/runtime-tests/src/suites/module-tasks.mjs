// Module functions (defineTask, fromModule): the worker imports the module by
// URL (file: on Node, Bun and Deno; http: in the browser). Also: a task module
// that starts parallel work when it loads, and parallelMap nested in a pool task.
// The task modules are ../../../weft/test/fixtures/*.mjs.
import { fromModule, par, parallelMap, Pool, TaskError } from 'weftjs';
import { failingAt, nestedThreadIds, sumOfSquares } from '../../../weft/test/fixtures/nested-tasks.mjs';
import { addLengths, countStatements, shout } from '../../../weft/test/fixtures/text-tasks.mjs';
import { describe, expect, it, rejectionOf, within, workersOnly } from '../harness.mjs';

const fixture = new URL('../../../weft/test/fixtures/text-tasks.mjs', import.meta.url);
const mergedApp = new URL('../../../weft/test/fixtures/merged-app.mjs', import.meta.url).href;

describe('module functions', () => {
  it('runs a defineTask function that imports an npm package', async () => {
    expect(await parallelMap(['let a = 1; let b = 2;', 'f();', ''], countStatements, { inline: 'never' })).toEqual([2, 1, 0]);
  });

  it('finds the right task by its position in the module, with context', async () => {
    expect(await parallelMap(['a', 'b'], shout, { context: { suffix: '!' }, inline: 'never' })).toEqual(['A!', 'B!']);
  });

  it('runs an export referenced with fromModule, without importing it here', async () => {
    const tokenCount = fromModule(fixture, 'tokenCount');
    expect(await parallelMap(['a b c', 'd'], tokenCount)).toEqual([3, 1]);
    expect(() => tokenCount('x')).toThrow(/runs in workers only/);
  });

  it('reports a missing export or a module that does not exist', async () => {
    const err = await rejectionOf(parallelMap([1], fromModule(fixture, 'notAFunction')));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.cause.message).toContain('notAFunction');
    const nowhere = fromModule(new URL('./does-not-exist.mjs', fixture), 'f');
    expect(await within(rejectionOf(parallelMap([1], nowhere)), 20_000, 'the missing module')).toBeInstanceOf(TaskError);
  });

  it('refuses bad module references at the call', () => {
    expect(() => fromModule('./relative.js', 'f')).toThrow(TypeError);
    expect(() => fromModule(fixture, '')).toThrow(/exportName/);
  });
});

describe('module functions in par chains', () => {
  const sources = ['let a = 1; let b = 2;', 'f();', '', 'x; y; z;'];

  it('runs defineTask functions as stages and terminals, with context, on workers and inline', async () => {
    for (const inline of ['never', 'auto']) {
      expect(await par(sources, { inline }).map(countStatements).sum()).toBe(6);
      expect(await par(sources, { inline, chunkSize: 1 }).map(countStatements).reduce(addLengths, 0)).toBe(6);
      expect(await par(['a', 'b', 'c'], { context: { suffix: '!' }, inline }).map(shout).filter((s) => s !== 'B!').toArray()).toEqual(['A!', 'C!']);
      expect(await par(sources, { inline }).findIndex(countStatements)).toBe(0);
    }
  });

  it('runs fromModule exports as a stage, a predicate and a comparator', async () => {
    const tokenCount = fromModule(fixture, 'tokenCount');
    const byLength = fromModule(fixture, 'byLength');
    expect(await par(['a b c', 'd', 'e f']).map(tokenCount).toArray()).toEqual([3, 1, 2]);
    expect(await par(['', ' ', 'g h', 'i']).findIndex(tokenCount)).toBe(2);
    expect(await par(['pear', 'fig', 'apple'], { chunkSize: 1 }).max(byLength)).toBe('apple');
  });

  it('fails the chain with a TaskError naming a missing export', async () => {
    const err = await rejectionOf(par(['a', 'b']).map(fromModule(fixture, 'notAFunction')).toArray());
    expect(err).toBeInstanceOf(TaskError);
    expect(err.cause.message).toContain('notAFunction');
  });
});

describe('a task module that starts parallel work when it loads (app code bundled into it)', () => {
  const neverReimported = workersOnly('native threads share the heap: the module is never imported again there');

  it('fails the map with an error naming the module and the fix, instead of re-running the app in every worker', async () => {
    const { started } = await import('../../../weft/test/fixtures/merged-app.mjs');
    const err = await rejectionOf(started);
    expect(err).toBeInstanceOf(TaskError);
    expect(err.cause.name).toBe('TypeError');
    expect(err.cause.message).toContain(mergedApp);
    expect(err.cause.message).toMatch(/^parallelMap was called while a worker was importing the task module/);
    expect(err.cause.message).toMatch(/separate entry points/);
  }, { skip: neverReimported });

  it('leaves the pool usable, and the same module fails the same way on a pool of its own', async () => {
    const { double } = await import('../../../weft/test/fixtures/merged-app.mjs');
    const pool = new Pool({ size: 2 });
    try {
      const err = await rejectionOf(pool.map([5, 6], double, { inline: 'never' }));
      expect(err.cause.message).toContain(mergedApp);
      expect(await pool.run((a, b) => a + b, 2, 3)).toBe(5);
    } finally {
      await pool.close();
    }
  }, { skip: neverReimported });
});

describe('parallelMap inside a pool task runs on that pool', () => {
  const expectedSum = (n) => Array.from({ length: n }, (_, i) => i * i).reduce((a, b) => a + b, 0);

  it('finishes when every worker is nested at once (no deadlock), with the right results', async () => {
    const pool = new Pool({ size: 2 });
    try {
      const sizes = [500, 1000, 1500, 2000, 2500, 3000];
      expect(await within(pool.map(sizes, sumOfSquares, { inline: 'never' }), 30_000, 'the nested maps')).toEqual(sizes.map(expectedSum));
    } finally {
      await pool.close();
    }
  });

  it('starts no workers: nested items run on the pool’s own workers', async () => {
    const pool = new Pool({ size: 2 });
    try {
      const threadId = () => globalThis[Symbol.for('weft.threadId')];
      const own = await pool.map(Array.from({ length: 64 }, (_, i) => i), threadId, { inline: 'never', chunkSize: 1 });
      const nested = (await pool.map([64, 64, 64, 64], nestedThreadIds, { inline: 'never', chunkSize: 1 })).flat();
      expect(nested).toHaveLength(256);
      for (const id of [...own, ...nested]) expect(Number.isInteger(id) && id > 0).toBe(true);
      // A pool started inside a worker would add threads of its own: at most two threads ever run items.
      expect(new Set([...own, ...nested]).size).toBeLessThanOrEqual(2);
    } finally {
      await pool.close();
    }
  }, { skip: workersOnly('reads worker thread ids from a globalThis property, and native threads share globalThis') });

  it('rejects with the failing item’s index and original error, and the pool stays usable', async () => {
    const pool = new Pool({ size: 2 });
    try {
      const err = await rejectionOf(pool.run(failingAt, 5));
      expect(err).toBeInstanceOf(TaskError);
      const nested = err.cause;
      expect(nested.name).toBe('TaskError');
      expect(nested.index).toBe(5);
      expect(nested.cause.name).toBe('RangeError');
      expect(nested.cause.message).toBe('bad item 5');
      expect(await pool.run(sumOfSquares, 100)).toBe(expectedSum(100));
    } finally {
      await pool.close();
    }
  });
});
