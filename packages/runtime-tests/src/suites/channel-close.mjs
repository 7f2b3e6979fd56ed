// Channel close, rendezvous, what a channel can carry, and argument checks.
import { Channel, ChannelClosedError, parallelMap } from 'weftjs';
import { describe, expect, it, nativeOnly, rejectionOf, sharedFlags, state, turns, waitUntilChanged, within, workersOnly } from '../harness.mjs';

describe('Channel close', () => {
  it('after close, sends fail with the value; buffered values drain; then receive rejects', async () => {
    const ch = new Channel(4);
    await ch.send({ id: 1 });
    expect(ch.trySend({ id: 2 })).toBe(true);
    expect(ch.close()).toBe(true);
    expect(ch.close()).toBe(false); // idempotent
    const unsent = { id: 3 };
    const err = await rejectionOf(ch.send(unsent));
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(err.code).toBe('WEFT_CHANNEL_CLOSED');
    expect(err.value).toBe(unsent);
    expect(() => ch.trySend({ id: 4 })).toThrow(ChannelClosedError);
    expect(() => ch.sendSync({ id: 5 })).toThrow(ChannelClosedError);
    expect(await ch.receive()).toEqual({ id: 1 });
    expect(ch.receiveSync()).toEqual({ id: 2 });
    expect(await rejectionOf(ch.receive())).toBeInstanceOf(ChannelClosedError);
    expect(() => ch.receiveSync()).toThrow(ChannelClosedError);
    expect(ch.tryReceive()).toEqual({ kind: 'closed' });
  });

  it('iteration ends when closed and drained (for await and for-of)', async () => {
    const ch = new Channel();
    for (let i = 0; i < 5; i++) ch.trySend(i);
    ch.close();
    const got = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect([...ch]).toEqual([]);
  });

  it('wakes blocked async senders (rejecting with their values) and receivers on this thread', async () => {
    const full = new Channel(1);
    full.trySend('kept');
    const blockedSends = [full.send('a'), full.send('b')];
    const empty = new Channel(1);
    const blockedReceives = [empty.receive(), empty.receive()];
    const rendezvous = new Channel(0);
    const handOver = rendezvous.send('r');
    for (const p of [...blockedSends, ...blockedReceives, handOver]) expect(await state(p)).toBe('pending');
    full.close();
    empty.close();
    rendezvous.close();
    const sendErrors = await within(Promise.all(blockedSends.map((p) => rejectionOf(p))), 5000, 'the senders');
    expect(sendErrors.map((e) => e.value)).toEqual(['a', 'b']);
    for (const p of blockedReceives) expect(await within(rejectionOf(p), 5000, 'a receiver')).toBeInstanceOf(ChannelClosedError);
    // A rendezvous value is not buffered: close takes it back from the channel and the send fails with it.
    expect((await within(rejectionOf(handOver), 5000, 'the rendezvous sender')).value).toBe('r');
    expect(rendezvous.tryReceive()).toEqual({ kind: 'closed' });
    expect(await full.receive()).toBe('kept');
  });

  it('wakes a sender and a receiver blocked in workers (sendSync, receiveSync)', async () => {
    const full = new Channel(1);
    full.trySend(0);
    const empty = new Channel(1);
    const flags = sharedFlags(2);
    const run = parallelMap([0, 1], (role, _i, ctx) => {
      Atomics.store(ctx.flags, role, 1);
      Atomics.notify(ctx.flags, role);
      try {
        if (role === 0) ctx.full.sendSync(41);
        else ctx.empty.receiveSync();
        return 'not woken by close';
      } catch (err) {
        return `${err.name}:${String(err.value)}`;
      }
    }, { context: { full, empty, flags }, inline: 'never', chunkSize: 1 });
    await waitUntilChanged(flags, 0, 0);
    await waitUntilChanged(flags, 1, 0);
    expect(await state(run)).toBe('pending');
    full.close();
    empty.close();
    expect(await within(run, 10_000, 'the blocked workers')).toEqual(['ChannelClosedError:41', 'ChannelClosedError:undefined']);
  });

  it('a rendezvous send completes only when a receiver takes the value', async () => {
    const ch = new Channel(0);
    expect(ch.capacity).toBe(0);
    expect(ch.trySend(1)).toBe(false); // nobody is waiting to receive
    const sent = ch.send(7);
    expect(await state(sent)).toBe('pending');
    expect(ch.tryReceive()).toEqual({ kind: 'received', value: 7 });
    await within(sent, 5000, 'the rendezvous send');
    const receiving = ch.receive();
    await turns();
    expect(ch.trySend(8)).toBe(true); // a receiver is waiting
    expect(await receiving).toBe(8);
  });

  it('refuses values it cannot carry at send, leaving nothing behind', async () => {
    const ch = new Channel(2, { bufferBytes: 1024 });
    expect(() => ch.trySend({ f: () => 1 })).toThrow(TypeError);
    expect(() => ch.trySend(Symbol('s'))).toThrow(TypeError);
    expect(() => ch.send({ nested: [Symbol('s')] })).toThrow(TypeError);
    expect(() => ch.trySend('x'.repeat(5000))).toThrow(RangeError);
    expect(ch.size).toBe(0);
    expect(ch.trySend('ok')).toBe(true);
    expect(ch.tryReceive()).toEqual({ kind: 'received', value: 'ok' });
  }, { skip: workersOnly('on native a channel passes values by identity: functions and symbols are carried as they are') });

  it('carries any value by identity (functions, symbols, large strings)', () => {
    const ch = new Channel(4, { bufferBytes: 1024 });
    const f = () => 1;
    const s = Symbol('s');
    const big = 'x'.repeat(5000);
    for (const v of [f, s, big]) expect(ch.trySend(v)).toBe(true);
    for (const v of [f, s, big]) expect(ch.tryReceive()).toEqual({ kind: 'received', value: v });
    expect(ch.size).toBe(0);
  }, { skip: nativeOnly('workers encode values, and refuse these') });

  it('checks its arguments', () => {
    expect(() => new Channel(-1)).toThrow(/capacity must be a non-negative integer, received -1/);
    expect(() => new Channel(1.5)).toThrow(RangeError);
    expect(() => new Channel('3')).toThrow(TypeError);
    expect(() => new Channel(1, { bufferBytes: 1 })).toThrow(RangeError);
    expect(() => new Channel(1).receiveSync({ timeout: -1 })).toThrow(RangeError);
  });

  it('carries values with structured-clone fidelity', async () => {
    const cyclic = { when: new Date(5) };
    cyclic.self = cyclic;
    const values = [-0, NaN, 12n ** 30n, new Map([[1, new Set(['a'])]]), new Float64Array([1.5, 2.5]), new RangeError('bad'), [1, 'two', { three: [3] }], cyclic];
    const ch = new Channel();
    for (const v of values) await ch.send(v);
    const got = await parallelMap([0], (_x, _i, ctx) => {
      const out = [];
      for (let r = ctx.ch.tryReceive(); r.kind === 'received'; r = ctx.ch.tryReceive()) out.push(r.value);
      return out.map((v) => {
        if (v instanceof Error) return `${v.name}:${v.message}`;
        if (typeof v === 'object' && v !== null && 'self' in v) return v.self === v && v.when.getTime();
        return v;
      });
    }, { context: { ch }, inline: 'never' });
    expect(got[0]).toEqual([-0, NaN, 12n ** 30n, values[3], values[4], 'RangeError:bad', values[6], 5]);
    expect(Object.is(got[0][0], -0)).toBe(true);
  });
});
