// transfer(): ArrayBuffers moved into a task and back out of it without a copy. On workers the
// sender's buffer is detached (byteLength 0), as with postMessage's transfer list; on the native
// backend values pass by identity, so nothing is copied or detached.
import { Pool, transfer } from 'weftjs';
import { invertBytes, keepAndMove, keptLength, makeBytes } from '../../../weft/test/fixtures/buffer-tasks.mjs';
import { describe, expect, it, onNative } from '../harness.mjs';

let shared;
const pool = () => (shared ??= new Pool({ size: 2 }));
const MB = 1 << 20;

describe('transfer', () => {
  it('moves an argument buffer to the task instead of copying it', async () => {
    const bytes = new Uint8Array(MB).fill(3);
    const sum = await pool().run((b) => b.reduce((a, x) => a + x, 0), transfer(bytes));
    expect(sum).toBe(3 * MB);
    expect(bytes.byteLength).toBe(onNative ? MB : 0);
  });

  it('copies a buffer that is not marked, leaving it usable here', async () => {
    const bytes = new Uint8Array(1024).fill(1);
    expect(await pool().run((b) => b.length, bytes)).toBe(1024);
    expect(bytes.byteLength).toBe(1024);
    expect(bytes[1023]).toBe(1);
  });

  it('finds marked buffers inside objects, arrays and Maps, and moves each once', async () => {
    const a = new Float64Array(16).fill(0.5);
    const b = new ArrayBuffer(32);
    const total = await pool().run(
      (args) => args.nested.a.length + args.list[0].byteLength + args.map.get('b').byteLength,
      { nested: { a: transfer(a) }, list: [transfer(b)], map: new Map([['b', b]]) },
    );
    expect(total).toBe(16 + 32 + 32);
    expect(a.byteLength).toBe(onNative ? 128 : 0);
    expect(b.byteLength).toBe(onNative ? 32 : 0);
  });

  it('moves a module task result back with transfer(), the data intact', async () => {
    const bytes = new Uint8Array(4 * MB);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 7;
    const back = await pool().run(invertBytes, transfer(bytes));
    expect(back).toBeInstanceOf(Uint8Array);
    expect(back.length).toBe(4 * MB);
    expect(back[0]).toBe(248);
    expect(back[1]).toBe(255);
    expect(bytes.byteLength).toBe(onNative ? 4 * MB : 0);
    const made = await pool().run(makeBytes, 300);
    expect(made.label).toBe('made');
    expect(made.bytes.length).toBe(300);
    expect(made.bytes[299]).toBe(299 & 255);
  });

  it('detaches a result buffer in the worker that moved it', async () => {
    const one = new Pool({ size: 1 });
    try {
      const back = await one.run(keepAndMove, new Uint8Array(1000).fill(9));
      expect(back.length).toBe(1000);
      expect(back[999]).toBe(9);
      expect(await one.run(keptLength)).toBe(onNative ? 1000 : 0);
    } finally {
      await one.close();
    }
  });

  it('refuses what cannot be moved, at the call', () => {
    expect(() => transfer(123)).toThrow(TypeError);
    expect(() => transfer({ byteLength: 8 })).toThrow(/transfer: value must be an ArrayBuffer, a typed array or a DataView, received/);
    expect(() => transfer(new Int32Array(new SharedArrayBuffer(8)))).toThrow(/SharedArrayBuffer, which workers share without moving it/);
  });

  it('leaves the pool usable after moving buffers both ways', async () => {
    expect(await pool().run((x, y) => x * y, 6, 7)).toBe(42);
    await shared?.close();
    shared = undefined;
  });
});
