// select over channel cases: fairness (seeded), default and timeout, closed cases, waking.
import { AtomicInt32, Channel, parallelMap, select } from 'weftjs';
import { describe, expect, it, onNative, rejectionOf, seededRandom, turns, within } from '../harness.mjs';

describe('select', () => {
  it('is fair: with both cases ready, each is chosen about half the time (seeded)', async () => {
    const a = new Channel(1);
    const b = new Channel(1);
    const random = seededRandom(7);
    const wins = [0, 0];
    const rounds = 2000;
    for (let r = 0; r < rounds; r++) {
      a.trySend('a');
      b.trySend('b');
      const got = await select([a.receiving(), b.receiving()], { random });
      if (got.kind !== 'received') throw new Error(`unexpected ${got.kind}`);
      wins[got.index]++;
      expect(got.value).toBe(got.index === 0 ? 'a' : 'b');
      // The case not chosen took nothing: its value is still there.
      expect((got.index === 0 ? b : a).tryReceive().kind).toBe('received');
    }
    expect(wins[0] + wins[1]).toBe(rounds);
    expect(wins[0] / rounds).toBeGreaterThan(0.4);
    expect(wins[0] / rounds).toBeLessThan(0.6);
  });

  it('is fair between a ready receive and a ready send', async () => {
    const input = new Channel(1);
    const output = new Channel(1);
    const random = seededRandom(11);
    const wins = [0, 0];
    for (let r = 0; r < 1000; r++) {
      input.trySend(r);
      const got = await select([input.receiving(), output.sending(r)], { random });
      wins[got.index]++;
      if (got.kind === 'sent') {
        expect(output.tryReceive()).toEqual({ kind: 'received', value: r });
        input.tryReceive();
      } else {
        expect(got).toEqual({ kind: 'received', index: 0, value: r });
        expect(output.size).toBe(0);
      }
    }
    expect(wins[0]).toBeGreaterThan(400);
    expect(wins[1]).toBeGreaterThan(400);
  });

  it('returns default when nothing is ready, and times out', async () => {
    const a = new Channel(1);
    const full = new Channel(1);
    full.trySend(1);
    expect(await select([a.receiving(), full.sending(2)], { default: true })).toEqual({ kind: 'default' });
    const started = performance.now();
    expect(await select([a.receiving(), full.sending(2)], { timeout: 30 })).toEqual({ kind: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(a.size).toBe(0);
    expect(full.tryReceive()).toEqual({ kind: 'received', value: 1 }); // the send case sent nothing
    expect(full.size).toBe(0);
  });

  it('reports a closed channel as a ready case', async () => {
    const open = new Channel(1);
    const closed = new Channel(1);
    closed.close();
    expect(await select([open.receiving(), closed.receiving()])).toEqual({ kind: 'closed', index: 1 });
    expect(await select([closed.sending(5)], { default: true })).toEqual({ kind: 'closed', index: 0 });
    // A closed channel with buffered values is drained first.
    const draining = new Channel(2);
    draining.trySend(9);
    draining.close();
    expect(await select([draining.receiving()])).toEqual({ kind: 'received', index: 0, value: 9 });
    expect(await select([draining.receiving()])).toEqual({ kind: 'closed', index: 0 });
  });

  it('wakes when a worker sends, and when a channel is closed while it waits', async () => {
    const a = new Channel(1);
    const b = new Channel(1);
    const go = new AtomicInt32(0);
    const waiting = select([a.receiving(), b.receiving()], { timeout: 10_000 });
    const worker = parallelMap([0], (_x, _i, ctx) => {
      ctx.go.waitSync(0, { timeout: 10_000 }); // until the calling thread's select sleeps
      ctx.b.sendSync('from a worker');
    }, { context: { b, go }, inline: 'never' });
    await turns(1);
    go.store(1);
    go.notify();
    expect(await within(waiting, 10_000, 'select')).toEqual({ kind: 'received', index: 1, value: 'from a worker' });
    await worker;

    const closing = select([a.receiving()], { timeout: 10_000 });
    await turns(1);
    a.close();
    expect(await within(closing, 5000, 'select on a closed channel')).toEqual({ kind: 'closed', index: 0 });
  });

  it('sends to a rendezvous channel only while a receiver waits', async () => {
    const ch = new Channel(0);
    expect(await select([ch.sending(1)], { default: true })).toEqual({ kind: 'default' });
    const receiving = ch.receive();
    const sent = select([ch.sending(2)], { timeout: 5000 });
    expect(await within(sent, 5000, 'select send')).toEqual({ kind: 'sent', index: 0 });
    expect(await receiving).toBe(2);
  });

  it('checks its arguments', async () => {
    const ch = new Channel(1);
    expect(await rejectionOf(select([{ kind: 'receive', channel: ch }]))).toBeInstanceOf(TypeError);
    expect(await rejectionOf(select([]))).toBeInstanceOf(RangeError);
    expect(await select([], { default: true })).toEqual({ kind: 'default' });
    // Workers: a function cannot be encoded. Native: values pass by identity, so it can.
    if (onNative) expect(() => ch.sending(() => 1)).not.toThrow();
    else expect(() => ch.sending(() => 1)).toThrow(TypeError);
  });
});
