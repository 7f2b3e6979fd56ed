// Atomic cells: shared by workers over the same memory, and what each operation returns.
import { AtomicBigInt64, AtomicBool, AtomicFloat64, AtomicInt32, AtomicUint32, parallelMap } from 'weftjs';
import { describe, expect, it } from '../harness.mjs';

describe('atomic cells', () => {
  it('N workers x M AtomicInt32.add come out exact; every cell crosses to workers over the same memory', async () => {
    const hits = new AtomicInt32(0);
    const big = new AtomicBigInt64(0n);
    const sum = new AtomicFloat64(0);
    const flag = new AtomicBool(false);
    const unsigned = new AtomicUint32(0);
    const perItem = 50_000;
    await parallelMap([0, 1, 2, 3, 4, 5], (_x, _i, ctx) => {
      for (let k = 0; k < ctx.perItem; k++) ctx.hits.add(1);
      ctx.big.add(1n << 33n);
      ctx.sum.add(0.5);
      ctx.flag.store(true);
      ctx.unsigned.add(0x8000_0000);
    }, { context: { hits, big, sum, flag, unsigned, perItem }, inline: 'never', chunkSize: 1 });
    expect(hits.load()).toBe(6 * perItem);
    expect(big.load()).toBe(6n << 33n);
    expect(sum.load()).toBe(3);
    expect(flag.load()).toBe(true);
    expect(unsigned.load()).toBe(0); // 6 x 2^31 wraps to 0
  });

  it('AtomicInt32: load/store/exchange/compareExchange/arithmetic return what Atomics returns', () => {
    const a = new AtomicInt32(5);
    expect(a.store(7)).toBe(7);
    expect(a.exchange(9)).toBe(7);
    expect(a.compareExchange(1, 2)).toBe(9);
    expect(a.compareExchange(9, 2)).toBe(9);
    expect(a.add(3)).toBe(2);
    expect(a.sub(1)).toBe(5);
    expect(a.and(0b110)).toBe(4);
    expect(a.or(1)).toBe(4);
    expect(a.xor(0b11)).toBe(5);
    expect(a.load()).toBe(6);
    a.store(2 ** 31 - 1);
    a.add(1);
    expect(a.load()).toBe(-(2 ** 31));
  });

  it('AtomicUint32, AtomicBigInt64, AtomicBool and AtomicFloat64 operations', () => {
    const u = new AtomicUint32(0xffff_ffff);
    expect(u.add(1)).toBe(0xffff_ffff);
    expect(u.load()).toBe(0);
    const b = new AtomicBigInt64(-1n);
    expect(b.compareExchange(-1n, 2n ** 62n)).toBe(-1n);
    expect(b.load()).toBe(2n ** 62n);
    const f = new AtomicBool();
    expect(f.exchange(true)).toBe(false);
    expect(f.compareExchange(true, false)).toBe(true);
    expect(f.toggle()).toBe(false);
    expect(f.load()).toBe(true);
    const d = new AtomicFloat64(NaN);
    expect(d.compareExchange(NaN, -0)).toBeNaN();
    expect(Object.is(d.load(), -0)).toBe(true);
    expect(d.compareExchange(0, 1)).toBe(-0); // Object.is: 0 does not match -0
    expect(d.exchange(1.25)).toBe(-0);
    expect(d.sub(0.25)).toBe(1.25);
    expect(d.load()).toBe(1);
  });

  it('refuses values of the wrong type or range, leaving the cell unchanged', () => {
    const a = new AtomicInt32(1);
    expect(() => a.add(1.5)).toThrow(RangeError);
    expect(() => a.store(2 ** 31)).toThrow(/between -2147483648 and 2147483647, received 2147483648/);
    expect(() => a.store('1')).toThrow(TypeError);
    expect(() => new AtomicInt32(NaN)).toThrow(RangeError);
    expect(a.load()).toBe(1);
    expect(() => new AtomicUint32(-1)).toThrow(RangeError);
    expect(() => new AtomicBigInt64(1)).toThrow(/must be a bigint, received a number \(1\)/);
    expect(() => new AtomicBigInt64(2n ** 63n)).toThrow(RangeError);
    expect(() => new AtomicBool(1)).toThrow(TypeError);
    expect(() => new AtomicFloat64('0')).toThrow(TypeError);
  });
});
