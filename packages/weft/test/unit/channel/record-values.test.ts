// Values through a channel's record encoding on one thread: the flat-record fast path must keep
// structured-clone semantics, and the copy out of msgpackr's buffer must follow that buffer when it changes.
import { describe, expect, it } from 'vitest';
import { Channel } from '../../../dist/index.js';

const roundTrip = <T>(ch: Channel<T>, value: T): T => {
  expect(ch.trySend(value)).toBe(true);
  const got = ch.tryReceive();
  if (got.kind !== 'received') throw new Error(`expected a value, received ${got.kind}`);
  return got.value;
};

describe('channel record values', () => {
  it('a record holding one array twice arrives with one array (a shared reference, not two copies)', () => {
    const ch = new Channel<{ id: number; a: number[]; b: number[] }>(4);
    const tags = [1, 2, 3];
    const out = roundTrip(ch, { id: 1, a: tags, b: tags });
    expect(out.a).toEqual([1, 2, 3]);
    expect(out.a).toBe(out.b);
    // And flat records with distinct arrays stay distinct.
    const apart = roundTrip(ch, { id: 2, a: [1], b: [1] });
    expect(apart.a).not.toBe(apart.b);
  });

  it('values larger than the encoder buffer, then small ones, then large again: each arrives intact', () => {
    const ch = new Channel<{ id: number; name: string; tags: string[] }>(4, { bufferBytes: 1 << 20 });
    const sizes = [10, 20_000, 12, 70_000, 5, 9_000, 3];
    sizes.forEach((size, id) => {
      const value = { id, name: 'x'.repeat(size) + String(id), tags: ['red', String(size)] };
      expect(roundTrip(ch, value)).toEqual(value);
    });
  });
});
