// Type-checked by test/types.test.js, with lib.dom and without: the globals
// the shim declares must be usable and must not clash with lib.dom's `Lock`.
import '@weft/thread-shim';

const lock = new Lock();
const n: number = lock.hold(() => 1);
const cond = new Condition();
const t = new Thread(() => 'done');
const s: string = t.join();
const local = new ThreadLocal<number>();
local.value = 1;
cond.notifyAll();
// @ts-expect-error: hold takes a function
lock.hold(1);
void [n, s];

// Property-form Atomics, and lib.es's typed-array forms still typed as before.
const cell = { n: 0 };
const after: number = Atomics.add(cell, 'n', 1);
const loaded: unknown = Atomics.load(cell, 'n');
const shared = new Int32Array(new SharedArrayBuffer(8));
const fromArray: number = Atomics.load(shared, 0);
const added: number = Atomics.add(shared, 0, 1);
void [after, loaded, fromArray, added];
