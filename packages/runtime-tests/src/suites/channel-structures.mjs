// Object shapes shared through the channel's structure table (workers) — or
// passed by identity (native): every consumer must read every shape, however
// many producers race to add them and whether or not they fit the table.
import { Channel, Pool } from 'weftjs';
import { describe, expect, it, within } from '../harness.mjs';

describe('Channel: object shapes', () => {
  it('producers racing to add 40 shapes each (more than the table holds), long keys, nested values: all arrive intact', async () => {
    const pool = new Pool({ size: 3 });
    try {
      const ch = new Channel(16);
      const producing = pool.map([0, 1], (who, _i, ctx) => {
        const shapes = [];
        for (let s = 0; s < 40; s++) shapes.push({ who, s, ['k' + s]: s });
        const long = {};
        for (let k = 0; k < 40; k++) long['a-rather-long-key-name-' + k] = k;
        for (let r = 0; r < 3; r++) for (const o of shapes) ctx.ch.sendSync(o);
        ctx.ch.sendSync(long);
        ctx.ch.sendSync({ who, nested: { a: [1, 2, { b: 3 }] }, tags: ['x', 'y'] });
        return 0;
      }, { context: { ch }, inline: 'never', chunkSize: 1 });
      const received = [];
      for (let i = 0; i < 2 * (40 * 3 + 2); i++) received.push(await ch.receive({ timeout: 10_000 }));
      await within(producing, 10_000, 'the producers');
      for (const who of [0, 1]) {
        const mine = received.filter((v) => v.who === who && 's' in v);
        expect(mine).toHaveLength(120);
        for (const o of mine) expect(o).toEqual({ who, s: o.s, ['k' + String(o.s)]: o.s });
        expect(received.filter((v) => v.who === who && 'nested' in v)).toEqual([{ who, nested: { a: [1, 2, { b: 3 }] }, tags: ['x', 'y'] }]);
      }
      const longs = received.filter((v) => 'a-rather-long-key-name-0' in v);
      expect(longs).toHaveLength(2);
      expect(Object.keys(longs[0])).toHaveLength(40);
    } finally {
      await pool.close();
    }
  });

  it('a value received earlier is not changed by decoding later ones', async () => {
    const ch = new Channel(8);
    await ch.send({ bytes: new Uint8Array([1, 2, 3]), name: 'first' });
    const first = await ch.receive();
    for (let i = 0; i < 5; i++) {
      await ch.send({ bytes: new Uint8Array([9, 9, 9]), name: 'later' });
      await ch.receive();
    }
    expect([...first.bytes]).toEqual([1, 2, 3]);
    expect(first.name).toBe('first');
  });
});
