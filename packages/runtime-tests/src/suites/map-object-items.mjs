// Many object items across several workers: on Node they are serialized once, in blocks, and each
// worker decodes only the blocks it claims items from. Results must be the same as one clone per worker.
import { Pool, TaskError } from 'weftjs';
import { describe, expect, it, onNative, rejectionOf, seededRandom, workersOnly } from '../harness.mjs';

function makeItems(count, seed) {
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
const digest = (item, index) =>
  [index, item.id, item.when.getTime(), [...item.tags].join('+'), item.props.get('n'), item.big.toString(), item.bytes.join('.'), item.nested.list.join('.')].join('|');

/** Run `body` with a fresh pool of `size` workers, closed afterwards whatever happens. */
async function withPool(size, body) {
  const pool = new Pool({ size });
  try {
    return await body(pool);
  } finally {
    await pool.close();
  }
}

describe('map over many object items', () => {
  it('3,000 structured items over 4 workers, guided and fixed chunks: every item arrives whole and in place', () =>
    withPool(4, async (pool) => {
      const items = makeItems(3_000, 7);
      const expected = items.map(digest);
      expect(await pool.map(items, digest, { inline: 'never' })).toEqual(expected);
      expect(await pool.map(items, digest, { inline: 'never', chunkSize: 97 })).toEqual(expected);
    }));

  it('an item that throws deep in the array is reported with its index, and the pool stays usable', () =>
    withPool(3, async (pool) => {
      const items = makeItems(2_500, 11);
      const bad = 2_222;
      const failing = (item, index) => {
        if (index === 2_222) throw new RangeError(`bad item ${item.id}`);
        return item.id;
      };
      const error = await rejectionOf(pool.map(items, failing, { inline: 'never' }));
      expect(error).toBeInstanceOf(TaskError);
      expect(error.index).toBe(bad);
      expect(error.cause.message).toBe(`bad item ${bad}`);
      expect(await pool.map(items.slice(0, 100), (item) => item.id, { inline: 'never' })).toEqual(items.slice(0, 100).map((i) => i.id));
    }));

  it('an item that cannot be sent (a function inside) is refused naming its index', () =>
    withPool(2, async (pool) => {
      const items = makeItems(500, 3);
      items[321] = { id: 321, run: () => 1 };
      const err = await rejectionOf(pool.map(items, (item) => item.id, { inline: 'never' }));
      expect(err.message).toMatch(/item at index 321 cannot be sent/);
    }), { skip: workersOnly('native threads share items, nothing is sent') });
});

describe('map over object items that hold shared memory', () => {
  it('a typed array on a SharedArrayBuffer inside each item is the shared one in the worker: its writes are seen here', () =>
    withPool(3, async (pool) => {
      const cells = new Int32Array(new SharedArrayBuffer(4 * 600));
      const items = Array.from({ length: 600 }, (_, id) => ({ id, cells }));
      await pool.map(items, (item) => {
        Atomics.store(item.cells, item.id, item.id + 1);
      }, { inline: 'never' });
      expect(Array.from(cells)).toEqual(items.map((item) => item.id + 1));
    }));
});

describe('map over object items that hold typed arrays', () => {
  it('each typed array arrives as a private copy of its own bytes, which the task may change', () =>
    withPool(3, async (pool) => {
      const items = Array.from({ length: 900 }, (_, id) => ({ id, bytes: Uint8Array.of(id & 255, 7, 7, 7), view: new DataView(new ArrayBuffer(8)) }));
      const out = await pool.map(items, (item) => {
        const facts = [item.bytes.buffer instanceof SharedArrayBuffer, item.view.buffer instanceof SharedArrayBuffer, item.bytes.buffer.byteLength, item.bytes[0]];
        item.bytes[1] = 99; // on workers a private copy: changing it changes nothing elsewhere
        return facts;
      }, { inline: 'never' });
      expect(out).toEqual(items.map((item) => [false, false, 4, item.id & 255]));
      // Workers changed copies; shared-heap threads changed these very objects (values pass by identity there).
      expect(items.every((item) => item.bytes[1] === (onNative ? 99 : 7))).toBe(true);
    }));
});

// Long arrays of strings and numbers: on Node they are written into a bounded ring of shared memory as
// workers claim them (far more than it holds at once), strings and numbers as they are.
describe('map over long arrays of strings and numbers', () => {
  const pieces = ['ab', 'é', '€', '😀', '\uFEFF', 'x '];
  const strings = (count, seed) => {
    const random = seededRandom(seed);
    return Array.from({ length: count }, (_, i) => {
      let s = `${i}:`;
      while (s.length < 400) s += pieces[Math.floor(random() * pieces.length)];
      return s;
    });
  };
  // Its length and a hash of its UTF-16 units: any change to a string shows.
  const signature = (s) => {
    let h = 0;
    for (let k = 0; k < s.length; k++) h = (Math.imul(h, 31) + s.charCodeAt(k)) | 0;
    return `${s.length}:${h}`;
  };

  it('30,000 strings of 400 characters (20 MB of UTF-8, more than the ring holds) arrive whole and in place, a lone surrogate too, guided and in fixed chunks', () =>
    withPool(2, async (pool) => {
      const items = strings(30_000, 5);
      items[0] = '\uFEFFstarts with a byte-order mark';
      expect(await pool.map(items, signature, { inline: 'never' })).toEqual(items.map(signature));
      expect(await pool.map(items, signature, { inline: 'never', chunkSize: 1_000 })).toEqual(items.map(signature));
      // A string that is not well-formed cannot go as UTF-8: its block (on Node), or the array (elsewhere), goes another way.
      items[21_337] = 'lone \ud800 surrogate';
      expect(await pool.map(items, signature, { inline: 'never' })).toEqual(items.map(signature));
    }));

  it('numbers arrive as themselves: -0, NaN, the infinities and doubles', () =>
    withPool(2, async (pool) => {
      const random = seededRandom(9);
      const special = [-0, NaN, Infinity, -Infinity, 2 ** 53 + 2, 5e-324];
      const items = Array.from({ length: 50_000 }, (_, i) => (i % 7 === 0 ? special[i % special.length] : (random() - 0.5) * 1e9));
      const describe = (x) => (Object.is(x, -0) ? '-0' : String(x));
      expect(await pool.map(items, describe, { inline: 'never' })).toEqual(items.map(describe));
    }));

  it('numeric results come back as themselves, and as what they are in a batch that mixes kinds', () =>
    withPool(2, async (pool) => {
      const random = seededRandom(11);
      const special = [-0, NaN, Infinity, -Infinity, 2 ** 53 + 2, 5e-324, 0x7fffffff, -(2 ** 31)];
      const items = Array.from({ length: 60_000 }, (_, i) => (i % 5 === 0 ? special[i % special.length] : (random() - 0.5) * 1e12));
      const same = (x) => x;
      const out = await pool.map(items, same, { inline: 'never' });
      expect(Array.isArray(out)).toBe(true);
      expect(out.length).toBe(items.length);
      expect(out.every((x, i) => Object.is(x, items[i]))).toBe(true);
      // Numbers with, now and then, something else: the batches holding it come back as arrays, the rest as numbers.
      const mixed = (x, i) => (i % 9_999 === 0 ? { at: i } : i % 4_001 === 0 ? `s${i}` : x * 2);
      expect(await pool.map(items, mixed, { inline: 'never', chunkSize: 1_000 })).toEqual(items.map(mixed));
    }));

  it('an item that cannot be sent, far into a long array, is refused naming its index, and the pool stays usable', () =>
    withPool(2, async (pool) => {
      const items = strings(30_000, 6);
      items[29_000] = Symbol('not sendable');
      const err = await rejectionOf(pool.map(items, signature, { inline: 'never' }));
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(/item at index 29000 cannot be sent/);
      expect(await pool.map(items.slice(0, 2_000), signature, { inline: 'never' })).toEqual(items.slice(0, 2_000).map(signature));
    }), { skip: workersOnly('native threads share items, nothing is sent') });
});
