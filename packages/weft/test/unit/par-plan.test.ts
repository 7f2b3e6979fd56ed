// How par composes the fused chunk function (internals, on the sources). Where the source is read in place
// is checked through behaviour in test/conformance/par.test.ts.
import { describe, expect, it } from 'vitest';
import { compileChunk, NOT_FOUND, DEFAULT_COMPARE } from '../../src/par/compile-chunk.js';
import { chainFunction, type Stage } from '../../src/par/stage.js';
import { analyzeFunction } from '../../src/task/analyze-function.js';

const stage = (kind: Stage['kind'], fn: (...args: never[]) => unknown): Stage => ({ kind, ...chainFunction('test', 'fn', fn, false) });

describe('par plan', () => {
  it('the fused chunk function captures nothing, so it passes the same check as any shipped function', () => {
    const stages = [stage('map', (x: number) => x * 2), stage('filter', (x: number) => x > 2), stage('flatMap', (x: number, i: number) => [x, i])];
    const fn = compileChunk(stages, { kind: 'collect' }, false);
    expect(analyzeFunction(fn, 'test').freeVariables).toEqual([]);
    expect(fn({ start: 10, end: 13, items: [1, 2, 3] }, 0, { context: undefined })).toEqual([4, 11, 6, 12]);
  });

  it('method shorthand stages are embedded as functions', () => {
    const obj = { triple(x: number) { return x * 3; } };
    const fn = compileChunk([stage('map', obj.triple)], { kind: 'sum' }, false);
    expect(fn({ start: 0, end: 2, items: [1, 2] }, 0, { context: undefined })).toEqual([9]);
  });

  it('a search chunk skips when a lower index is already found, and lowers the cell on a hit', () => {
    const predicate = chainFunction('test', 'p', (x: number) => x === 5, false);
    const fn = compileChunk([], { kind: 'search', predicate, mode: 'first', negate: false, keepValue: true }, false);
    const cell = new Int32Array(new SharedArrayBuffer(4));
    cell[0] = 3;
    expect(fn({ start: 4, end: 8, items: [4, 5, 6, 7] }, 0, { context: undefined, cell })).toBeNull();
    cell[0] = NOT_FOUND;
    expect(fn({ start: 4, end: 8, items: [4, 5, 6, 7] }, 0, { context: undefined, cell })).toEqual({ index: 5, value: 5 });
    expect(cell[0]).toBe(5);
    const max = compileChunk([], { kind: 'max', compare: DEFAULT_COMPARE }, false);
    expect(max({ start: 0, end: 3, items: [2, 9, 4] }, 0, { context: undefined })).toEqual([9]);
  });
});
