import { describe, expect, it } from 'vitest';
import { deserializeThrown, serializeThrown, trimSerialized } from '../../src/codec/error-codec.js';

describe('trimSerialized (a fork error that must fit its slot)', () => {
  const cause = Object.assign(new RangeError('bad item 5'), { code: 'E_BAD' });
  const outer = Object.assign(new Error('item 5 failed', { cause }), { code: 'WEFT_NESTED_ITEM_FAILED', itemIndex: 5 });
  outer.stack = ['Error: item 5 failed', ...Array.from({ length: 20 }, (_, i) => `    at frame${i} (file:///a/very/long/path/${i}.js:1:1)`)].join('\n');

  it('keeps names, codes, props and the cause chain, and cuts each stack to its first frames', () => {
    const trimmed = deserializeThrown(trimSerialized(serializeThrown(outer), 2) as never) as Error & { code: string; itemIndex: number; cause: Error & { code: string } };
    expect(trimmed.message).toBe('item 5 failed');
    expect(trimmed.code).toBe('WEFT_NESTED_ITEM_FAILED');
    expect(trimmed.itemIndex).toBe(5);
    expect(trimmed.stack?.split('\n')).toEqual(outer.stack!.split('\n').slice(0, 3));
    expect(trimmed.cause).toBeInstanceOf(RangeError);
    expect(trimmed.cause.code).toBe('E_BAD');
    expect(trimmed.cause.message).toBe('bad item 5');
  });

  it('drops stacks at 0 frames and cuts long messages only when asked', () => {
    const long = new Error('x'.repeat(500));
    const wire = trimSerialized(serializeThrown(long), 0, 10);
    expect(wire.kind === 'error' && wire.error.stack).toBeUndefined();
    expect(wire.kind === 'error' && wire.error.message).toBe(`${'x'.repeat(10)}…`);
    const kept = trimSerialized(serializeThrown(long), 0);
    expect(kept.kind === 'error' && kept.error.message).toBe('x'.repeat(500));
  });

  it('leaves thrown non-errors as they are', () => {
    expect(trimSerialized(serializeThrown('plain'), 0, 1)).toEqual(serializeThrown('plain'));
  });
});
