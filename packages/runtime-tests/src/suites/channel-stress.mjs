// MPMC stress across workers: 4 producers and 4 consumers, each a task on its
// own worker of an 8-worker pool (one `pool.map` item each), blocking in
// sendSync / iteration. Every message must arrive exactly once: checked with a
// shared per-message counter, the count and the sum.
//
// On the native backend over the shim, every hand-off of a capacity-1 or
// rendezvous channel is a switch of the shim's global lock (about 36 µs a
// switch, several per message): those two run 2,500 messages per producer
// there, with preemption on, which is what exercises the interleavings.
import { AtomicInt32, Channel, Pool } from 'weftjs';
import { describe, expect, it, onNative, within } from '../harness.mjs';

const HANDOFF_MESSAGES = onNative ? 2_500 : 100_000;
const PRODUCERS = 4;
const CONSUMERS = 4;

/** Items 0..3 produce (the last to finish closes the channel); items 4..7 consume until closed and drained. */
function party(role, _index, ctx) {
  const { ch, seen, perProducer } = ctx;
  if (role < ctx.producers) {
    const first = role * perProducer;
    for (let i = 0; i < perProducer; i++) ch.sendSync(first + i);
    if (ctx.producersDone.add(1) + 1 === ctx.producers) ch.close();
    return [0, 0];
  }
  let count = 0;
  let sum = 0;
  for (const v of ch) {
    Atomics.add(seen, v, 1);
    count++;
    sum += v;
  }
  return [count, sum];
}

describe('Channel MPMC stress (4 producers x 4 consumers, across workers)', () => {
  let shared;
  const pool = () => (shared ??= new Pool({ size: PRODUCERS + CONSUMERS }));

  for (const [name, capacity, perProducer] of [
    ['bounded(1024)', 1024, 100_000],
    ['unbounded', undefined, 100_000],
    ['capacity 1', 1, HANDOFF_MESSAGES],
    ['rendezvous (capacity 0)', 0, HANDOFF_MESSAGES],
  ]) {
    it(`${name}: every message exactly once`, async () => {
      const ch = new Channel(capacity);
      const total = PRODUCERS * perProducer;
      const seen = new Uint8Array(new SharedArrayBuffer(total));
      const producersDone = new AtomicInt32(0);
      const roles = Array.from({ length: PRODUCERS + CONSUMERS }, (_, i) => i);
      const results = await within(
        pool().map(roles, party, { context: { ch, seen, producersDone, perProducer, producers: PRODUCERS }, inline: 'never', chunkSize: 1 }),
        50_000,
        'the producers and consumers',
      );
      expect(producersDone.load()).toBe(PRODUCERS);
      expect(ch.closed).toBe(true);
      const count = results.reduce((a, [c]) => a + c, 0);
      const sum = results.reduce((a, [, s]) => a + s, 0);
      expect(count).toBe(total);
      expect(sum).toBe((total * (total - 1)) / 2);
      let wrong = -1;
      for (let v = 0; v < total && wrong < 0; v++) if (seen[v] !== 1) wrong = v;
      expect(wrong).toBe(-1);
      expect(ch.size).toBe(0);
    }, { timeout: 60_000 });
  }

  it('the pool closes cleanly', async () => {
    await within(pool().close(), 10_000, 'close()');
    shared = undefined;
  });
});
