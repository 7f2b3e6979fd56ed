// Channels across workers and the calling thread (which only uses the async forms).
// Skipped, saying so, when the built weft has no Channel yet.
import * as weft from 'weftjs';
import { describe, expect, it, within } from '../harness.mjs';

const { Channel, parallelMap, select } = weft;
const missing = typeof Channel !== 'function' ? 'the built weft has no Channel' : undefined;

describe('Channel', () => {
  it('a pipeline: calling thread -> worker -> worker -> calling thread, every item once, in order', async () => {
    const numbers = new Channel(16);
    const doubled = new Channel(16);
    const labelled = new Channel(16);
    const stages = parallelMap([0, 1], (stage, _i, ctx) => {
      let count = 0;
      if (stage === 0) {
        for (const n of ctx.numbers) {
          ctx.doubled.sendSync(n * 2);
          count++;
        }
        ctx.doubled.close();
      } else {
        for (const n of ctx.doubled) {
          ctx.labelled.sendSync({ n, label: `#${n}` });
          count++;
        }
        ctx.labelled.close();
      }
      return count;
    }, { context: { numbers, doubled, labelled }, inline: 'never', chunkSize: 1 });
    const feed = (async () => {
      for (let i = 1; i <= 1000; i++) await numbers.send(i);
      numbers.close();
    })();
    let sum = 0;
    let last = '';
    for await (const item of labelled) {
      sum += item.n;
      last = item.label;
    }
    await feed;
    expect(await within(stages, 10_000, 'the stages')).toEqual([1000, 1000]);
    expect(sum).toBe(1000 * 1001);
    expect(last).toBe('#2000');
  }, { skip: missing });

  it('select on the calling thread receives from whichever channel a worker fills', async () => {
    const a = new Channel(1);
    const b = new Channel(1);
    const worker = parallelMap([0], (_x, _i, ctx) => {
      ctx.b.sendSync('from b');
    }, { context: { a, b }, inline: 'never' });
    const got = await within(select([a.receiving(), b.receiving()]), 10_000, 'select');
    await worker;
    expect(got).toEqual({ kind: 'received', index: 1, value: 'from b' });
  }, { skip: missing ?? (typeof select !== 'function' ? 'the built weft has no select' : undefined) });
});
