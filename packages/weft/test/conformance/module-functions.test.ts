import { describe, expect, expectTypeOf, it } from 'vitest';
import { fromModule, parallelMap, TaskError } from 'weftjs';
import { countStatements, shout } from '../fixtures/text-tasks.mjs';
import { rejectionOf } from '../helpers.js';

const fixture = new URL('../fixtures/text-tasks.mjs', import.meta.url);

describe('module functions', () => {
  it('runs a defineTask function that imports an npm package', async () => {
    const sources = ['let a = 1; let b = 2;', 'f();', ''];
    const counts = await parallelMap(sources, countStatements, { inline: 'never' });
    expectTypeOf(counts).toEqualTypeOf<number[]>();
    expect(counts).toEqual([2, 1, 0]);
  });

  it('finds the right task by its position in the module, with context', async () => {
    const out = await parallelMap(['a', 'b'], shout, { context: { suffix: '!' }, inline: 'never' });
    expectTypeOf(out).toEqualTypeOf<string[]>();
    expect(out).toEqual(['A!', 'B!']);
  });

  it('runs an export referenced with fromModule, without importing it here', async () => {
    const tokenCount = fromModule<(source: string) => number>(fixture, 'tokenCount');
    expect(await parallelMap(['a b c', 'd'], tokenCount)).toEqual([3, 1]);
    expect(() => tokenCount('x')).toThrow(/runs in workers only/);
  });

  it('reports a missing export or a module that does not exist', async () => {
    const missing = fromModule<(x: number) => number>(fixture, 'notAFunction');
    const err = await rejectionOf<TaskError>(parallelMap([1], missing));
    expect(err).toBeInstanceOf(TaskError);
    expect((err.cause as Error).message).toContain('notAFunction');
    const nowhere = fromModule<(x: number) => number>(new URL('./does-not-exist.mjs', fixture), 'f');
    await expect(parallelMap([1], nowhere)).rejects.toBeInstanceOf(TaskError);
  });

  it('refuses bad module references at the call', () => {
    expect(() => fromModule('./relative.js', 'f')).toThrow(TypeError);
    expect(() => fromModule(fixture, '')).toThrow(/exportName/);
  });
});
