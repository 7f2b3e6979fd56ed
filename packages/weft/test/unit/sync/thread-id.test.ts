import { describe, expect, it } from 'vitest';
import { adoptDeadThreads, deadThreadsBuffer, isThreadDead, markThreadDead } from '../../../src/sync/dead-threads.js';
import { THREAD_ID_MASK, currentThreadId } from '../../../src/sync/thread-id.js';
import { timeoutOf } from '../../../src/sync/futex.js';

describe('thread ids and the dead-threads table', () => {
  it('gives this thread one stable, positive 28-bit id, kept on globalThis', () => {
    const id = currentThreadId();
    expect(id).toBeGreaterThan(0);
    expect(id).toBeLessThanOrEqual(THREAD_ID_MASK);
    expect(currentThreadId()).toBe(id);
    expect((globalThis as unknown as Record<symbol, number>)[Symbol.for('weft.threadId')]).toBe(id);
  });

  it('records deaths and answers lookups, across adopted tables', () => {
    expect(isThreadDead(12345)).toBe(false);
    expect(markThreadDead(12345)).toBe(true);
    expect(markThreadDead(12345)).toBe(true); // idempotent
    expect(isThreadDead(12345)).toBe(true);
    expect(isThreadDead(0)).toBe(false);
    // A table received from elsewhere is adopted once and searched too.
    const home = deadThreadsBuffer();
    adoptDeadThreads(home);
    expect(isThreadDead(12345)).toBe(true);
  });

  it('holds thousands of ids (hash set with probing)', () => {
    for (let id = 100_000; id < 104_000; id++) markThreadDead(id);
    for (let id = 100_000; id < 104_000; id++) expect(isThreadDead(id)).toBe(true);
    expect(isThreadDead(99_999)).toBe(false);
  });

  it('refuses what is not a thread id', () => {
    expect(() => markThreadDead(0)).toThrow(RangeError);
    expect(() => markThreadDead(-1)).toThrow(/received -1/);
    expect(() => markThreadDead(2 ** 28)).toThrow(RangeError);
    expect(() => markThreadDead('7' as unknown as number)).toThrow(TypeError);
  });

  it('validates timeouts: NaN and negatives are RangeErrors naming the value', () => {
    expect(timeoutOf('f', undefined)).toBe(Infinity);
    expect(timeoutOf('f', {})).toBe(Infinity);
    expect(timeoutOf('f', { timeout: 0 })).toBe(0);
    expect(() => timeoutOf('f', { timeout: -1 })).toThrow(/received -1/);
    expect(() => timeoutOf('f', { timeout: NaN })).toThrow(RangeError);
    expect(() => timeoutOf('f', { timeout: '5' })).toThrow(TypeError);
    expect(() => timeoutOf('f', 5)).toThrow(/options must be an object, received a number \(5\)/);
  });
});
