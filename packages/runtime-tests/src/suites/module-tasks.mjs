// Module functions (defineTask, fromModule): the worker imports the module by
// URL (file: on Node, Bun and Deno; http: in the browser), and fork/join inside them.
import { fork, fromModule, join, parallelMap, Pool, scope, TaskError } from 'weftjs';
import { awaitChild, crashingChild, failingChild, fib, nqueens, squares, sum } from '../../../weft/test/fixtures/fork-tasks.mjs';
import { countStatements, shout } from '../../../weft/test/fixtures/text-tasks.mjs';
import { describe, expect, it, rejectionOf, within } from '../harness.mjs';

const fixture = new URL('../../../weft/test/fixtures/text-tasks.mjs', import.meta.url);
const fibSeq = (n) => (n < 2 ? n : fibSeq(n - 1) + fibSeq(n - 2));

describe('module functions', () => {
  it('runs a defineTask function that imports an npm package', async () => {
    expect(await parallelMap(['let a = 1; let b = 2;', 'f();', ''], countStatements, { inline: 'never' })).toEqual([2, 1, 0]);
  });

  it('finds the right task by its position in the module, with context', async () => {
    expect(await parallelMap(['a', 'b'], shout, { context: { suffix: '!' }, inline: 'never' })).toEqual(['A!', 'B!']);
  });

  it('runs an export referenced with fromModule', async () => {
    const tokenCount = fromModule(fixture, 'tokenCount');
    expect(await parallelMap(['a b c', 'd'], tokenCount, { inline: 'never' })).toEqual([3, 1]);
    expect(() => tokenCount('x')).toThrow(/runs in workers only/);
  });

  it('reports a missing export or a module that does not exist', async () => {
    const err = await rejectionOf(parallelMap([1], fromModule(fixture, 'notAFunction'), { inline: 'never' }));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.cause.message).toContain('notAFunction');
    const nowhere = fromModule(new URL('./does-not-exist.mjs', fixture), 'f');
    expect(await within(rejectionOf(parallelMap([1], nowhere, { inline: 'never' })), 20_000, 'the missing module')).toBeInstanceOf(TaskError);
  });
});

describe('fork-join inside pool tasks', () => {
  let shared;
  const pool = () => (shared ??= new Pool({ size: 2 }));

  it('computes recursive fib with forks and joins', async () => {
    expect(await within(pool().run(fib, 24, 12), 30_000, 'fib(24)')).toBe(fibSeq(24));
  });

  it('does not deadlock when every worker waits in join', async () => {
    const results = await within(Promise.all([pool().run(fib, 20, 2), pool().run(fib, 20, 2), pool().run(fib, 19, 2)]), 30_000, 'nested joins');
    expect(results).toEqual([fibSeq(20), fibSeq(20), fibSeq(19)]);
  });

  it('join, scope and one fork per column', async () => {
    expect(await pool().run(sum, 0, 100_000)).toBe((99_999 * 100_000) / 2);
    expect(await pool().run(squares, [1, 2, 3, 4, 5])).toEqual([1, 4, 9, 16, 25]);
    expect(await pool().run(nqueens, 8)).toBe(92);
  });

  it('rethrows a forked failure in the parent, and awaits fork handles in async tasks', async () => {
    const err = await rejectionOf(pool().run(failingChild, 7));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.cause).toBeInstanceOf(RangeError);
    expect(err.cause.code).toBe('E_CHILD');
    expect(await pool().run(awaitChild, 6)).toBe(37);
  });

  it('fails the parent instead of hanging when a forked child kills its worker', async () => {
    const err = await within(rejectionOf(pool().run(crashingChild)), 30_000, 'crashing child');
    const exit = err instanceof TaskError ? err.cause : err;
    expect(exit.name).toBe('WorkerExitError');
    expect(await pool().run(fib, 10)).toBe(55);
  }, { skip: (rt) => (rt === 'browser' ? 'the fixture crashes its worker with process.exit' : undefined) });

  it('fork on the calling thread runs on the default pool; join() refuses', async () => {
    const handle = fork((x) => x * 2, 21);
    expect(await handle).toBe(42);
    expect(() => handle.join()).toThrow(/only inside a pool task/);
    expect(() => join([(x) => x, 1], [(x) => x, 2])).toThrow(/only inside a pool task/);
    expect(() => scope(() => 1)).toThrow(/only inside a pool task/);
  });

  it('the pool terminates cleanly', async () => {
    await within(pool().terminate(), 10_000, 'terminate()');
    shared = undefined;
  });
});
