// Channels across tasks: pipelines, channels inside messages, MPMC between pool tasks and the calling thread.
import { Channel, Pool, parallelMap } from 'weftjs';
import { describe, expect, it, rejectionOf, within, workersOnly } from '../harness.mjs';

describe('Channel across tasks', () => {
  it('runs a pipeline of three stages: calling thread -> worker -> worker -> calling thread, every item once, in order', async () => {
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
  });

  it('sends a channel through a channel: the same channel arrives, as the same object', async () => {
    const outer = new Channel(1);
    const inner = new Channel(4);
    outer.trySend(inner);
    const got = outer.tryReceive();
    expect(got.kind === 'received' && got.value).toBe(inner);
  });

  it('answers requests on the reply channel that came inside each request, across workers', async () => {
    const requests = new Channel(8);
    const replyA = new Channel(1);
    const replyB = new Channel(1);
    // The server learns of the reply channels through its context; requests then carry them by id.
    const server = parallelMap([0], (_x, _i, ctx) => {
      let served = 0;
      for (const { n, reply } of ctx.requests) {
        if (reply !== ctx.replies[0] && reply !== ctx.replies[1]) throw new Error('a different channel object arrived');
        reply.sendSync(n * n);
        served++;
      }
      return served;
    }, { context: { requests, replies: [replyA, replyB] }, inline: 'never' });
    await requests.send({ n: 3, reply: replyA });
    await requests.send({ n: 4, reply: replyB });
    expect(await within(replyA.receive(), 10_000, 'reply A')).toBe(9);
    expect(await within(replyB.receive(), 10_000, 'reply B')).toBe(16);
    requests.close();
    expect(await server).toEqual([2]);
  });

  it('fails clearly when a channel arrives in a thread that has never seen it', async () => {
    const out = new Channel(1);
    await parallelMap([0], (_x, _i, ctx) => ctx.out.sendSync({ fresh: new ctx.out.constructor(1) }), { context: { out }, inline: 'never' });
    const err = await rejectionOf(out.receive());
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/never seen that channel/);
  }, { skip: workersOnly('every native thread shares the one heap, so every thread has seen every channel') });

  it('is shared by pool tasks and async tasks on the calling thread (MPMC)', async () => {
    const pool = new Pool({ size: 2 });
    try {
      const ch = new Channel(8);
      const results = pool.map([0, 1], async (_x, _i, ctx) => {
        let sum = 0;
        for await (const v of ctx.ch) sum += v;
        return sum;
      }, { context: { ch }, inline: 'never', chunkSize: 1 });
      const mainConsumer = (async () => {
        let sum = 0;
        for await (const v of ch) sum += v;
        return sum;
      })();
      for (let i = 1; i <= 3000; i++) await ch.send(i);
      ch.close();
      const sums = [...(await within(results, 10_000, 'the workers')), await mainConsumer];
      expect(sums.reduce((a, b) => a + b, 0)).toBe((3000 * 3001) / 2);
    } finally {
      await pool.close();
    }
  });
});
