// Many object items across several workers: on Node they are serialized once, in blocks, and each
// worker decodes only the blocks it claims items from. Results must be the same as one clone per worker.
import { describe, expect, it } from 'vitest';
import { Pool, TaskError } from 'weftjs';
import { seededRandom } from '../helpers.js';
import { itOnWorkers, onNative } from '../backend.js';

type Item = { id: number; when: Date; tags: Set<string>; props: Map<string, number>; big: bigint; bytes: Uint8Array; nested: { list: number[] } };

function makeItems(count: number, seed: number): Item[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, id) => {
    const n = Math.floor(random() * 1000);
    return {
      id,
      when: new Date(1_700_000_000_000 + n),
      tags: new Set([`t${n % 7}`, `u${n % 3}`]),
      props: new Map([['n', n]]),
      big: BigInt(n) * 1_000_000_007n,
      bytes: Uint8Array.of(n & 255, (n >> 8) & 255),
      nested: { list: [n, n + 1] },
    };
  });
}

// What each item becomes; also computed here, so the worker's view of every item is checked.
const digest = (item: Item, index: number): string =>
  [index, item.id, item.when.getTime(), [...item.tags].join('+'), item.props.get('n'), item.big.toString(), item.bytes.join('.'), item.nested.list.join('.')].join('|');

describe('map over many object items', () => {
  it('3,000 structured items over 4 workers, guided and fixed chunks: every item arrives whole and in place', async () => {
    await using pool = new Pool({ size: 4 });
    const items = makeItems(3_000, 7);
    const expected = items.map(digest);
    expect(await pool.map(items, digest, { inline: 'never' })).toEqual(expected);
    expect(await pool.map(items, digest, { inline: 'never', chunkSize: 97 })).toEqual(expected);
  });

  it('an item that throws deep in the array is reported with its index, and the pool stays usable', async () => {
    await using pool = new Pool({ size: 3 });
    const items = makeItems(2_500, 11);
    const bad = 2_222;
    const failing = (item: Item, index: number) => {
      if (index === 2_222) throw new RangeError(`bad item ${item.id}`);
      return item.id;
    };
    const error = await pool.map(items, failing, { inline: 'never' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).index).toBe(bad);
    expect(((error as TaskError).cause as Error).message).toBe(`bad item ${bad}`);
    expect(await pool.map(items.slice(0, 100), (item: Item) => item.id, { inline: 'never' })).toEqual(items.slice(0, 100).map((i) => i.id));
  });

  itOnWorkers('an item that cannot be sent (a function inside) is refused naming its index', 'native threads share items, nothing is sent', async () => {
    await using pool = new Pool({ size: 2 });
    const items: { id: number }[] = makeItems(500, 3);
    items[321] = { id: 321, run: () => 1 } as { id: number };
    await expect(pool.map(items, (item: { id: number }) => item.id, { inline: 'never' })).rejects.toThrow(/item at index 321 cannot be sent/);
  });
});

describe('map over object items that hold shared memory', () => {
  it('a typed array on a SharedArrayBuffer inside each item is the shared one in the worker: its writes are seen here', async () => {
    await using pool = new Pool({ size: 3 });
    const cells = new Int32Array(new SharedArrayBuffer(4 * 600));
    const items = Array.from({ length: 600 }, (_, id) => ({ id, cells }));
    await pool.map(
      items,
      (item: { id: number; cells: Int32Array }) => {
        Atomics.store(item.cells, item.id, item.id + 1);
      },
      { inline: 'never' },
    );
    expect(Array.from(cells)).toEqual(items.map((item) => item.id + 1));
  });
});

describe('map over object items that hold typed arrays', () => {
  it('each typed array arrives as a private copy of its own bytes, which the task may change', async () => {
    await using pool = new Pool({ size: 3 });
    const items = Array.from({ length: 900 }, (_, id) => ({ id, bytes: Uint8Array.of(id & 255, 7, 7, 7), view: new DataView(new ArrayBuffer(8)) }));
    const out = await pool.map(
      items,
      (item: { id: number; bytes: Uint8Array; view: DataView }) => {
        const facts = [item.bytes.buffer instanceof SharedArrayBuffer, item.view.buffer instanceof SharedArrayBuffer, item.bytes.buffer.byteLength, item.bytes[0]];
        item.bytes[1] = 99; // on workers a private copy: changing it changes nothing elsewhere
        return facts;
      },
      { inline: 'never' },
    );
    expect(out).toEqual(items.map((item) => [false, false, 4, item.id & 255]));
    // Workers changed copies; shared-heap threads changed these very objects (values pass by identity there).
    expect(items.every((item) => item.bytes[1] === (onNative ? 99 : 7))).toBe(true);
  });
});
