import { describe, expect, it } from 'vitest';
import { defineTask, fromModule, Mutex } from 'weftjs';
import { compileTask, decodeError, decodeValue, describeTask, encodeError, encodeValue } from 'weftjs/wire';

describe('weftjs/wire', () => {
  it('describes a capture-free function by its source, and compiles it back', () => {
    const task = describeTask((a: number, b: number) => a + b, 'test');
    expect(task.kind).toBe('source');
    if (task.kind !== 'source') return;
    expect((compileTask(task) as (a: number, b: number) => number)(2, 3)).toBe(5);
  });

  it('refuses a capture with the same TypeError as parallelMap, naming it', () => {
    const factor = 3;
    expect(() => describeTask((x: number) => x * factor, 'test')).toThrow(/test: fn: .*outer variable factor/);
  });

  it('describes module tasks by their module', () => {
    const stub = fromModule('file:///app/work.js', 'resize');
    expect(describeTask(stub, 'test')).toEqual({ kind: 'module', url: 'file:///app/work.js', exportName: 'resize' });
    const defined = defineTask('file:///app/tasks.js', (x: number) => x);
    expect(describeTask(defined, 'test')).toMatchObject({ kind: 'task', url: 'file:///app/tasks.js' });
  });

  it('round-trips values with structured-clone fidelity', () => {
    const value = { m: new Map([[1, new Date(5)]]), t: new Float64Array([1.5]), b: 7n, s: new Set(['x']) };
    expect(decodeValue(encodeValue(value, 'test'))).toEqual(value);
  });

  it('refuses shared memory and functions', () => {
    expect(() => encodeValue({ buffer: new SharedArrayBuffer(8) }, 'test')).toThrow(TypeError);
    expect(() => encodeValue([new Mutex()], 'test')).toThrow(/shared memory/);
    expect(() => encodeValue({ f: () => 1 }, 'test')).toThrow(/test: the value cannot be encoded/);
  });

  it('round-trips errors with class, code and stack', () => {
    const err = Object.assign(new RangeError('bad'), { code: 'E_BAD' });
    const back = decodeError(encodeError(err)) as RangeError & { code: string };
    expect(back).toBeInstanceOf(RangeError);
    expect(back.code).toBe('E_BAD');
    expect(back.stack).toBe(err.stack);
  });
});
