// A bounded buffer built by hand from a Mutex and two Conditions in shared
// memory. Producers and consumers run as Pool tasks on workers and use the
// blocking forms (lockSync, waitSync); the main thread is one more consumer
// and uses the async forms (await lock(), await wait()), so its event loop
// keeps running. Every side waits with the classic loop:
//
//     lock; while (!predicate) condition.wait(guard); act; notify; unlock
//
// Checks that every item is consumed exactly once (count, sum, and a
// per-item tally).
//   npm start              the full run
//   npm test               a quick run (used by the smoke test)
import { Condition, Mutex, Pool } from 'weftjs';

const small = process.argv.includes('--small');
const producers = 2;
const workerConsumers = 2;
const perProducer = small ? 5_000 : 100_000;
const total = producers * perProducer;
const capacity = 16;
const onTerminal = process.stdout.isTTY === true;

/**
 * The bounded buffer. `lock` guards one Int32Array in shared memory, which
 * is read and written only while holding the lock:
 *
 * | word | what |
 * | --- | --- |
 * | 0 `COUNT` | items in the ring |
 * | 1 `HEAD` | ring index of the next item to take |
 * | 2 `TAIL` | ring index of the next free slot |
 * | 3 `OPEN` | producers that have not finished |
 * | 4 `TAKEN` | items taken so far (for progress) |
 * | 5 .. 5 + capacity | the ring |
 *
 * Consumers wait on `notEmpty` for "an item, or no producer left"; producers
 * wait on `notFull` for "a free slot". Functions that run on workers capture
 * nothing, so each repeats the word numbers it uses.
 */
interface BoundedBuffer {
  readonly lock: Mutex<Int32Array>;
  readonly notEmpty: Condition;
  readonly notFull: Condition;
  readonly capacity: number;
}

/** What one consumer took: how many items, and their sum. */
interface Tally {
  taken: number;
  sum: number;
}

/** A producer, on a worker: puts items `first .. first + count - 1`, then signs off. */
const produce = (buffer: BoundedBuffer, first: number, count: number): number => {
  const [COUNT, TAIL, OPEN, RING] = [0, 2, 3, 5]; // word numbers: see BoundedBuffer
  const { lock, notEmpty, notFull, capacity } = buffer;
  for (let item = first; item < first + count; item++) {
    const guard = lock.lockSync();
    try {
      const words = guard.value;
      // Wait while there is no room. waitSync releases the lock while it sleeps and takes it
      // again before returning; a wake-up is only a hint (another producer may have filled the
      // slot first, or it may be spurious), so the loop checks again.
      while (words[COUNT] === capacity) notFull.waitSync(guard);
      const tail = words[TAIL] as number;
      words[RING + tail] = item;
      words[TAIL] = (tail + 1) % capacity;
      words[COUNT] = (words[COUNT] as number) + 1;
      notEmpty.notifyOne();
    } finally {
      if (guard.held) guard.unlock(); // a wait that failed (PoisonError) leaves it unlocked
    }
  }
  const guard = lock.lockSync();
  try {
    const open = (guard.value[OPEN] as number) - 1;
    guard.value[OPEN] = open;
    // The last producer wakes every consumer: those waiting on an empty buffer must now see
    // that nothing more will come, and leave.
    if (open === 0) notEmpty.notifyAll();
  } finally {
    if (guard.held) guard.unlock();
  }
  return count;
};

/**
 * A consumer, on a worker: takes items until the buffer is empty and every
 * producer has finished. Marks each item in `seen` (one counter per item).
 */
const consume = (buffer: BoundedBuffer, seen: Int32Array): Tally => {
  const [COUNT, HEAD, OPEN, TAKEN, RING] = [0, 1, 3, 4, 5]; // word numbers: see BoundedBuffer
  const { lock, notEmpty, notFull, capacity } = buffer;
  const tally: Tally = { taken: 0, sum: 0 };
  for (;;) {
    let item = -1;
    const guard = lock.lockSync();
    try {
      const words = guard.value;
      // Wait while the buffer is empty but some producer may still put an item.
      while (words[COUNT] === 0 && words[OPEN] !== 0) notEmpty.waitSync(guard);
      if (words[COUNT] !== 0) {
        const head = words[HEAD] as number;
        item = words[RING + head] as number;
        words[HEAD] = (head + 1) % capacity;
        words[COUNT] = (words[COUNT] as number) - 1;
        words[TAKEN] = (words[TAKEN] as number) + 1;
        notFull.notifyOne();
      }
    } finally {
      if (guard.held) guard.unlock();
    }
    if (item < 0) return tally; // empty, and no producer left
    Atomics.add(seen, item, 1);
    tally.taken++;
    tally.sum += item;
  }
};

/** The main thread's consumer: the same loop with the async forms, which wait without blocking the thread. */
async function consumeHere(buffer: BoundedBuffer, seen: Int32Array): Promise<Tally> {
  const [COUNT, HEAD, OPEN, TAKEN, RING] = [0, 1, 3, 4, 5]; // word numbers: see BoundedBuffer
  const { lock, notEmpty, notFull } = buffer;
  const tally: Tally = { taken: 0, sum: 0 };
  let shown = 0;
  for (;;) {
    let item = -1;
    let takenByAll = 0;
    {
      using guard = await lock.lock();
      const words = guard.value;
      while (words[COUNT] === 0 && words[OPEN] !== 0) await notEmpty.wait(guard);
      if (words[COUNT] !== 0) {
        const head = words[HEAD] as number;
        item = words[RING + head] as number;
        words[HEAD] = (head + 1) % buffer.capacity;
        words[COUNT] = (words[COUNT] as number) - 1;
        takenByAll = (words[TAKEN] as number) + 1;
        words[TAKEN] = takenByAll;
        notFull.notifyOne();
      }
    } // `using`: unlocked here (this code is not shipped to a worker, so `using` is fine)
    if (item < 0) return tally;
    Atomics.add(seen, item, 1);
    tally.taken++;
    tally.sum += item;
    if (onTerminal && takenByAll - shown >= total / 100) {
      shown = takenByAll;
      process.stdout.write(`\r  ${Math.floor((100 * takenByAll) / total)}% taken`);
    }
  }
}

console.log(
  `${producers} producers and ${workerConsumers} consumers on workers, 1 consumer on the main thread; ` +
    `${total.toLocaleString('en')} items through a buffer of ${capacity}\n`,
);

const buffer: BoundedBuffer = {
  lock: new Mutex(new Int32Array(new SharedArrayBuffer((5 + capacity) * Int32Array.BYTES_PER_ELEMENT))),
  notEmpty: new Condition(),
  notFull: new Condition(),
  capacity,
};
{
  using guard = buffer.lock.lockSync();
  guard.value[3] = producers; // OPEN
}
/** How many times each item was taken: all ones at the end, or something was lost or duplicated. */
const seen = new Int32Array(new SharedArrayBuffer(total * Int32Array.BYTES_PER_ELEMENT));

const pool = new Pool({ size: producers + workerConsumers });
try {
  const t0 = performance.now();
  // The Mutex, the Conditions and `seen` are shared: each task gets them over the same memory.
  const produced = Array.from({ length: producers }, (_, p) => pool.run(produce, buffer, p * perProducer, perProducer));
  const consumed = Array.from({ length: workerConsumers }, () => pool.run(consume, buffer, seen));
  const [onMain, puts, tallies] = await Promise.all([consumeHere(buffer, seen), Promise.all(produced), Promise.all(consumed)]);
  const ms = performance.now() - t0;
  const line = `  done in ${ms.toFixed(0)} ms (${Math.round(total / (ms / 1000)).toLocaleString('en')} items/s, including starting the workers)`;
  console.log(onTerminal ? `\r${line}` : line);

  const all = [...tallies, onMain];
  console.log(`  produced ${puts.join(' + ')}; taken by the worker consumers ${tallies.map((t) => t.taken).join(' + ')}, by the main thread ${onMain.taken}`);
  const taken = all.reduce((n, t) => n + t.taken, 0);
  const sum = all.reduce((s, t) => s + t.sum, 0);
  const expectedSum = (total * (total - 1)) / 2; // the items are 0 .. total - 1
  if (taken !== total) throw new Error(`${taken} items were taken, ${total} were produced`);
  if (sum !== expectedSum) throw new Error(`the items taken add up to ${sum}, expected ${expectedSum}`);
  const wrong = seen.findIndex((times) => times !== 1);
  if (wrong >= 0) throw new Error(`item ${wrong} was taken ${seen[wrong]} times`);
  console.log(`\n  every item taken exactly once: count ${taken.toLocaleString('en')}, sum ${sum.toLocaleString('en')}`);
} finally {
  // After a full run every task has finished; after a failure (a producer that never signed
  // off leaves the consumers waiting), terminate also stops the tasks still blocked.
  await pool.terminate();
}
