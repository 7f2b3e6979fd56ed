import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Channel } from '../../../src/channel/channel.js';
import { ChannelClosedError } from '../../../src/errors.js';

type Op =
  | { readonly op: 'trySend'; readonly value: unknown }
  | { readonly op: 'send'; readonly value: unknown }
  | { readonly op: 'receive' }
  | { readonly op: 'tryReceive' }
  | { readonly op: 'close' };

/** Values of every shape the encoder distinguishes: bare numbers, inline msgpack, blobs (> 55 bytes). */
const valueArb = fc.oneof(
  fc.double({ noNaN: false }),
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.string({ minLength: 60, maxLength: 400 }),
  fc.constantFrom(undefined, null, true, false),
  fc.array(fc.integer(), { maxLength: 12 }),
  fc.record({ id: fc.integer(), name: fc.string({ maxLength: 12 }), tags: fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }) }),
  fc.bigInt().map((b) => new Map([[b, new Set([String(b)])]])),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: valueArb.map((value) => ({ op: 'trySend' as const, value })) },
  { weight: 3, arbitrary: valueArb.map((value) => ({ op: 'send' as const, value })) },
  { weight: 3, arbitrary: fc.constant({ op: 'receive' as const }) },
  { weight: 3, arbitrary: fc.constant({ op: 'tryReceive' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'close' as const }) },
);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/**
 * On one thread, a channel is an array with a capacity: any interleaving of
 * operations must agree with that model. Operations that would wait forever
 * on one thread (send when full, receive when empty and open) are skipped.
 */
describe('Channel against an array model (fast-check, seeded)', () => {
  it.each([[0], [1], [3], [undefined]])('capacity %s', async (capacity) => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        // A small buffer, so blob values wrap around the ring of cells too.
        const ch = new Channel<unknown>(capacity, { bufferBytes: 2048 });
        const limit = capacity ?? Infinity;
        const model: unknown[] = [];
        let closed = false;
        for (const step of ops) {
          switch (step.op) {
            case 'trySend': {
              if (closed) {
                let thrown: unknown;
                try {
                  ch.trySend(step.value);
                } catch (err) {
                  thrown = err;
                }
                expect(thrown).toBeInstanceOf(ChannelClosedError);
                expect((thrown as ChannelClosedError).value).toBe(step.value);
              } else {
                const fits = model.length < limit;
                expect(ch.trySend(step.value)).toBe(fits);
                if (fits) model.push(step.value);
              }
              break;
            }
            case 'send': {
              if (closed) {
                const err = await rejection(ch.send(step.value));
                expect(err).toBeInstanceOf(ChannelClosedError);
                expect((err as ChannelClosedError).value).toBe(step.value);
              } else if (model.length < limit) {
                await ch.send(step.value);
                model.push(step.value);
              }
              break;
            }
            case 'receive': {
              if (model.length > 0) expect(await ch.receive()).toEqual(model.shift());
              else if (closed) expect(await rejection(ch.receive())).toBeInstanceOf(ChannelClosedError);
              break;
            }
            case 'tryReceive': {
              const got = ch.tryReceive();
              if (model.length > 0) expect(got).toEqual({ kind: 'received', value: model.shift() });
              else expect(got).toEqual({ kind: closed ? 'closed' : 'empty' });
              break;
            }
            case 'close':
              expect(ch.close()).toBe(!closed);
              closed = true;
              break;
          }
          expect(ch.size).toBe(model.length);
          expect(ch.closed).toBe(closed);
        }
      }),
      { seed: 20240605, numRuns: 150 },
    );
  });
});
