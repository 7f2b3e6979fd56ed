import { expect, it } from 'vitest';
import { Pool, TaskError } from 'weftjs';
import { describeOnWorkers } from '../backend.js';
import { rejectionOf } from '../helpers.js';

const fixture = new URL('../fixtures/merged-app.mjs', import.meta.url).href;

describeOnWorkers(
  'a task module that starts parallel work when it loads (app code bundled into it)',
  'native threads share the heap: the module is never imported again there',
  () => {
  it('fails the map with an error naming the module and the fix, instead of re-running the app in every worker', async () => {
    const { started } = await import('../fixtures/merged-app.mjs');
    const err = await rejectionOf<TaskError>(started);
    expect(err).toBeInstanceOf(TaskError);
    const cause = err.cause as Error;
    expect(cause.name).toBe('TypeError');
    expect(cause.message).toContain(fixture);
    expect(cause.message).toMatch(/^parallelMap was called while a worker was importing the task module/);
    expect(cause.message).toMatch(/separate entry points/);
  });

  it('leaves the pool usable, and the same module fails the same way on a pool of its own', async () => {
    const { double } = await import('../fixtures/merged-app.mjs');
    await using pool = new Pool({ size: 2 });
    const err = await rejectionOf<TaskError>(pool.map([5, 6], double, { inline: 'never' }));
    expect((err.cause as Error).message).toContain(fixture);
    expect(await pool.run((a: number, b: number) => a + b, 2, 3)).toBe(5);
  });
  },
);
