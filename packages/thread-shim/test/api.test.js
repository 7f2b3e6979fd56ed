'use strict';
// The API surface (SPEC-api section 4 and 4.1, 4.4, 4.5 preamble, 5.7):
// globals, constructors, receivers and their error texts, Symbol.toStringTag,
// Thread basics, ThreadLocal, Thread.restrict and ConcurrentAccessError, the
// blocking gate (I18), and surfaces refused on spawned threads.
const test = require('node:test');
const assert = require('node:assert/strict');
const { install } = require('..');
const { joinWithin, withTimeout } = require('../test-support/helpers.js');

test('SPEC-api 4 preamble: globals are installed, non-enumerable, and pass feature detection', async () => {
  for (const name of ['Thread', 'Lock', 'Condition', 'ThreadLocal', 'ConcurrentAccessError']) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    assert.equal(typeof descriptor.value, 'function', name);
    assert.equal(descriptor.enumerable, false, name);
  }
  assert.ok('current' in Thread);
  assert.equal(await new Thread(() => 1).asyncJoin(), 1);
});

test('SPEC-api 4 preamble: constructors throw TypeError without new, and for a non-callable', () => {
  for (const Ctor of [Thread, Lock, Condition, ThreadLocal]) {
    assert.throws(() => Ctor(() => {}), TypeError);
  }
  for (const bad of [undefined, 1, 'f', {}, null]) {
    assert.throws(() => new Thread(bad), {
      name: 'TypeError',
      message: 'Thread constructor requires a callable argument',
    });
  }
});

test('SPEC-api 4.1: arguments and results are shared by identity; this is undefined', () => {
  const input = { payload: [1, 2, 3] };
  const output = { made: 'in thread' };
  let closedOver = 0;
  const thread = new Thread(
    function (a, b) {
      'use strict';
      closedOver = 41;
      return { same: a === input, second: b, self: this, output };
    },
    input,
    'two',
  );
  const result = thread.join();
  assert.equal(result.same, true);
  assert.equal(result.second, 'two');
  assert.equal(result.self, undefined);
  assert.equal(result.output, output);
  assert.equal(closedOver, 41);
});

test('SPEC-api 4.1: join rethrows the same exception object, and every join agrees', async () => {
  const error = new Error('from the thread');
  const gate = { open: 0 };
  const failing = new Thread(() => {
    // Handshake: wait until both joiners are in place (bounded).
    while (Atomics.load(gate, 'open') === 0) {
      if (Atomics.wait(gate, 'open', 0, 10000) === 'timed-out') throw new Error('gate never opened');
    }
    throw error;
  });
  // A second joiner on another thread, plus asyncJoin on main.
  const joiner = new Thread(() => {
    try {
      failing.join();
      return 'did not throw';
    } catch (caught) {
      return caught;
    }
  });
  const asyncResult = failing.asyncJoin().then(
    () => 'resolved',
    (caught) => caught,
  );
  Atomics.store(gate, 'open', 1);
  Atomics.notify(gate, 'open');
  assert.throws(() => failing.join(), (caught) => caught === error);
  assert.throws(() => failing.join(), (caught) => caught === error);
  assert.equal(await joinWithin(joiner), error);
  assert.equal(await withTimeout(asyncResult, 10000, 'asyncJoin'), error);
});

test('SPEC-api 4.1: two threads joining the same thread agree on its value', async () => {
  const value = { unique: true };
  const target = new Thread(() => value);
  const a = new Thread(() => target.join());
  const b = new Thread(() => target.join());
  assert.equal(await joinWithin(a), value);
  assert.equal(await joinWithin(b), value);
  assert.equal(target.join(), value);
});

test('SPEC-api 4.1: joining yourself throws', async () => {
  assert.throws(() => Thread.current.join(), { message: 'Thread cannot join itself' });
  const thread = new Thread(() => {
    try {
      Thread.current.join();
    } catch (error) {
      return error.message;
    }
    return 'no error';
  });
  assert.equal(await joinWithin(thread), 'Thread cannot join itself');
});

test('SPEC-api 4.1: asyncJoin returns a new promise each call that settles on a later turn', async () => {
  const thread = new Thread(() => 'done');
  thread.join();
  const first = thread.asyncJoin();
  const second = thread.asyncJoin();
  assert.notEqual(first, second);
  let settled = false;
  first.then(() => (settled = true));
  await null;
  await null;
  assert.equal(settled, false, 'must not settle inside the call or the same turn');
  assert.equal(await first, 'done');
  assert.equal(await second, 'done');
});

test('SPEC-api 4.1: Thread.current is the object from new; ids count up from 1, main is 0', async () => {
  assert.equal(Thread.current.id, 0);
  assert.equal(Thread.current, Thread.current);
  assert.ok(Thread.current instanceof Thread);
  const box = {};
  const thread = new Thread(() => {
    box.current = Thread.current;
    box.child = new Thread(() => Thread.current);
    return box.child.join();
  });
  const grandchildCurrent = await joinWithin(thread);
  assert.equal(box.current, thread);
  assert.equal(grandchildCurrent, box.child);
  assert.ok(thread.id >= 1 && thread.id <= 0x7ffe);
  assert.equal(box.child.id, thread.id + 1);
  const later = new Thread(() => 0);
  assert.ok(later.id > box.child.id, 'ids are never reused');
  await joinWithin(later);
});

test('SPEC-api 4.6.1: a thread drains its own microtasks before it finishes', async () => {
  const log = [];
  const thread = new Thread(() => {
    Promise.resolve().then(() => log.push('microtask'));
    log.push('body');
    return log;
  });
  const result = await joinWithin(thread);
  assert.deepEqual(result, ['body', 'microtask']);
});

test('SPEC-api 4.1 / I17: too many live threads is a RangeError', async () => {
  const gate = { open: 0 };
  const parked = [];
  let error;
  try {
    for (let i = 0; i < 1000; i++) {
      parked.push(
        new Thread(() => {
          while (Atomics.load(gate, 'open') === 0) Atomics.wait(gate, 'open', 0, 20000);
        }),
      );
    }
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof RangeError, `expected RangeError, got ${error}`);
  assert.ok(parked.length >= 1);
  Atomics.store(gate, 'open', 1);
  Atomics.notify(gate, 'open');
  await withTimeout(Promise.all(parked.map((t) => t.asyncJoin())), 30000, 'parked threads');
  // Room again once they finished.
  assert.equal(await new Thread(() => 'again').asyncJoin(), 'again');
});

test('SPEC-api 4.4: ThreadLocal gives each thread its own slot, initially undefined', async () => {
  const local = new ThreadLocal();
  assert.equal(local.value, undefined);
  local.value = 'main';
  const gate = { step: 0 };
  const worker = (name) => () => {
    const initial = local.value;
    local.value = name;
    // Handshake: both threads set their value before either reads it back.
    Atomics.add(gate, 'step', 1);
    Atomics.notify(gate, 'step');
    while (Atomics.load(gate, 'step') < 2) {
      if (Atomics.wait(gate, 'step', 1, 10000) === 'timed-out') throw new Error('handshake timed out');
    }
    return [initial, local.value];
  };
  const a = new Thread(worker('a'));
  const b = new Thread(worker('b'));
  assert.deepEqual(await joinWithin(a), [undefined, 'a']);
  assert.deepEqual(await joinWithin(b), [undefined, 'b']);
  assert.equal(local.value, 'main');
});

test('SPEC-api 4.4: separate ThreadLocal objects are separate slots', async () => {
  const first = new ThreadLocal();
  const second = new ThreadLocal();
  first.value = 1;
  second.value = 2;
  assert.deepEqual([first.value, second.value], [1, 2]);
  const thread = new Thread(() => {
    first.value = 'x';
    return [first.value, second.value];
  });
  assert.deepEqual(await joinWithin(thread), ['x', undefined]);
  assert.equal(first.value, 1);
});

test('SPEC-api 4.4: value rejects foreign receivers', () => {
  const getter = Object.getOwnPropertyDescriptor(ThreadLocal.prototype, 'value').get;
  assert.throws(() => getter.call({}), TypeError);
});

test('SPEC-api 4.1 Thread.restrict: Thread.restrict pins an object; property Atomics from another thread throw', async () => {
  const pinned = Thread.restrict({ count: 0 });
  assert.equal(Atomics.add(pinned, 'count', 1), 0);
  const thread = new Thread(() => {
    try {
      Atomics.load(pinned, 'count');
      return 'no error';
    } catch (error) {
      return error;
    }
  });
  const error = await joinWithin(thread);
  assert.ok(error instanceof ConcurrentAccessError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'ConcurrentAccessError');
  assert.equal(Object.hasOwn(error, 'name'), false, 'name lives on the prototype, as in the engine');
  assert.match(error.message, /restricted to thread 0/);
});

test('SPEC-api 4.1 Thread.restrict: an object restricted by a thread belongs to that thread', async () => {
  const thread = new Thread(() => {
    const mine = Thread.restrict([1, 2, 3]);
    Atomics.store(mine, 0, 'ok here');
    return mine;
  });
  const mine = await joinWithin(thread);
  assert.throws(() => Atomics.load(mine, 0), ConcurrentAccessError);
  assert.throws(() => Thread.restrict(mine), ConcurrentAccessError);
  assert.throws(() => Thread.restrict(1), TypeError);
});

test('SPEC-api I18 (mainThreadMayBlock: false): join, contended hold, cond.wait and property Atomics.wait throw TypeError on main', async () => {
  install({ mainThreadMayBlock: false });
  try {
  const lock = new Lock();
  const cond = new Condition();
  const gate = { open: 0 };
  const thread = new Thread(() => {
    while (Atomics.load(gate, 'open') === 0) Atomics.wait(gate, 'open', 0, 10000);
    return 'ok';
  });
  assert.throws(() => thread.join(), TypeError);
  assert.throws(() => Atomics.wait(gate, 'open', 0, 10), TypeError);
  lock.hold(() => {
    assert.throws(() => cond.wait(lock), TypeError);
  });
  // A hold contended by a spawned thread.
  const held = { v: 0 };
  const holder = new Thread(() =>
    lock.hold(() => {
      Atomics.store(held, 'v', 1);
      Atomics.notify(held, 'v');
      while (Atomics.load(gate, 'open') === 0) Atomics.wait(gate, 'open', 0, 10000);
    }),
  );
  const seen = Atomics.waitAsync(held, 'v', 0, 10000);
  if (seen.async) assert.equal(await seen.value, 'ok');
  assert.equal(lock.locked, true);
  assert.throws(() => lock.hold(() => 'contended'), TypeError);
  Atomics.store(gate, 'open', 1);
  Atomics.notify(gate, 'open');
  assert.equal(await joinWithin(thread), 'ok');
  await joinWithin(holder);
  // An uncontended hold still works: it never blocks.
  assert.equal(lock.hold(() => 'free'), 'free');
  // A main thread that may not block refuses the typed-array wait too, as a
  // browser's does (SPEC-api 4.5 step 1a and the engine's per-VM gate).
  assert.throws(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0), {
    name: 'TypeError',
    message: 'Atomics.wait cannot be called from the current thread.',
  });
  } finally {
    install({ mainThreadMayBlock: true });
  }
});

test('SPEC-api I18: the async forms always work on a main thread that may not block; spawned threads may block', async () => {
  install({ mainThreadMayBlock: false });
  try {
  const lock = new Lock();
  const cond = new Condition();
  const box = { items: [] };
  const producer = new Thread(() => {
    for (let i = 0; i < 50; i++) {
      lock.hold(() => box.items.push(i));
      cond.notifyAll();
    }
    const inner = new Thread(() => 'inner');
    return inner.join(); // a spawned thread may block
  });
  const got = [];
  while (got.length < 50) {
    let release = await withTimeout(lock.asyncHold(), 10000, 'asyncHold');
    while (box.items.length === 0) release = await withTimeout(cond.asyncWait(lock), 10000, 'asyncWait');
    got.push(...box.items.splice(0));
    release();
  }
  assert.deepEqual(got, [...Array(50).keys()]);
  assert.equal(await joinWithin(producer), 'inner');
  } finally {
    install({ mainThreadMayBlock: true });
  }
});

test('shim: install validates its options (shim only: the engine has command-line options, SPEC-api 3)', () => {
  assert.throws(() => install({ preempt: 'yes' }), TypeError);
  assert.throws(() => install({ preempt: { intervalMs: 0 } }), RangeError);
  assert.throws(() => install({ mainThreadMayBlock: 1 }), TypeError);
  assert.throws(() => install({ unknown: true }), TypeError);
  assert.throws(() => install(5), TypeError);
  // Reconfiguring keeps what was not given.
  assert.throws(() => install({ canBlock: 'no' }), TypeError);
  assert.deepEqual(install({}), { preempt: false, intervalMs: 5, mainThreadMayBlock: true, canBlock: true, maxThreads: 256 });
  const t = new Thread(() => 1);
  assert.equal(t.join(), 1);
});

// ---- SPEC-api rev 14: the engine's texts, shapes and refusals ------------

const typeError = (message) => ({ name: 'TypeError', message });

test('SPEC-api 4 preamble: constructors called without new throw the engine\'s TypeError', () => {
  for (const name of ['Thread', 'Lock', 'Condition', 'ThreadLocal']) {
    assert.throws(() => globalThis[name](() => 0), typeError(`calling ${name} constructor without new is invalid`));
  }
  assert.throws(() => new Thread(), typeError('Thread constructor requires a callable argument'));
  assert.throws(() => new Thread({}), typeError('Thread constructor requires a callable argument'));
  assert.equal(new Thread(() => 'ok').join(), 'ok', 'a refused spawn leaks nothing');
});

test('SPEC-api 4.1-4.4: methods on incompatible receivers and bad arguments: the engine\'s texts', () => {
  const getter = (C, key) => Object.getOwnPropertyDescriptor(C.prototype, key).get;
  assert.throws(() => Thread.prototype.join.call({}), typeError('Thread.prototype.join called on incompatible receiver'));
  assert.throws(() => Thread.prototype.asyncJoin.call({}), typeError('Thread.prototype.asyncJoin called on incompatible receiver'));
  assert.throws(() => getter(Thread, 'id').call({}), typeError('Thread.prototype.id called on incompatible receiver'));
  assert.throws(() => Lock.prototype.hold.call({}, () => 0), typeError('Lock.prototype.hold called on incompatible receiver'));
  assert.throws(() => Lock.prototype.asyncHold.call({}), typeError('Lock.prototype.asyncHold called on incompatible receiver'));
  assert.throws(() => getter(Lock, 'locked').call({}), typeError('Lock.prototype.locked called on incompatible receiver'));
  assert.throws(() => Condition.prototype.wait.call({}, new Lock()), typeError('Condition.prototype.wait called on incompatible receiver'));
  assert.throws(() => Condition.prototype.notify.call({}), typeError('Condition.prototype.notify called on incompatible receiver'));
  assert.throws(() => getter(ThreadLocal, 'value').call({}), typeError('ThreadLocal.prototype.value called on incompatible receiver'));
  const lock = new Lock();
  const cond = new Condition();
  assert.throws(() => lock.hold(), typeError('Lock.prototype.hold requires a callable argument'));
  assert.throws(() => lock.asyncHold(1), typeError('Lock.prototype.asyncHold requires a callable argument when one is provided'));
  assert.throws(() => cond.wait({}), typeError('Condition.prototype.wait requires a Lock argument'));
  assert.throws(() => cond.wait(lock), typeError('Condition.prototype.wait requires the lock to be held by the caller'));
  assert.throws(() => cond.asyncWait(), typeError('Condition.prototype.asyncWait requires a Lock argument'));
  assert.throws(() => cond.asyncWait(lock), typeError('Condition.prototype.asyncWait requires the lock to be held'));
  assert.equal(lock.hold(() => 'still usable'), 'still usable');
});

test('SPEC-api 4 preamble: Symbol.toStringTag on every prototype', () => {
  for (const [C, make] of [[Lock, () => new Lock()], [Condition, () => new Condition()],
    [ThreadLocal, () => new ThreadLocal()], [Thread, () => Thread.current]]) {
    const descriptor = Object.getOwnPropertyDescriptor(C.prototype, Symbol.toStringTag);
    assert.equal(descriptor.value, C.name);
    assert.equal(descriptor.enumerable, false);
    assert.equal(descriptor.writable, false);
    assert.equal(Object.prototype.toString.call(make()), `[object ${C.name}]`);
  }
});

test('SPEC-api 4.1: ConcurrentAccessError is a NativeError-shaped Error subclass', async () => {
  assert.equal(Object.getPrototypeOf(ConcurrentAccessError), Error);
  assert.equal(Object.getPrototypeOf(ConcurrentAccessError.prototype), Error.prototype);
  assert.equal(ConcurrentAccessError.prototype.name, 'ConcurrentAccessError');
  const constructed = new ConcurrentAccessError('m');
  assert.equal(constructed.message, 'm');
  assert.equal(Object.hasOwn(constructed, 'cause'), false);
  assert.equal(new ConcurrentAccessError('m', { cause: 42 }).cause, 42);
  const called = ConcurrentAccessError('c');
  assert.ok(called instanceof ConcurrentAccessError);
  assert.equal(called.message, 'c');
  assert.ok(!/^\s*at ConcurrentAccessError/m.test(constructed.stack.split('\n')[1]), 'stack starts at the caller');
  class Sub extends ConcurrentAccessError {}
  const sub = new Sub('s');
  assert.equal(Object.getPrototypeOf(sub), Sub.prototype);
  assert.ok(sub instanceof ConcurrentAccessError && sub instanceof Error);
  function Other() {}
  assert.equal(Object.getPrototypeOf(Reflect.construct(ConcurrentAccessError, ['r'], Other)), Other.prototype);
  // Engine-thrown instances: no own cause, and the rebound global is ignored.
  const pinned = Thread.restrict({ x: 1 });
  const saved = globalThis.ConcurrentAccessError;
  globalThis.ConcurrentAccessError = function Fake() {};
  let thrown;
  try {
    thrown = await joinWithin(new Thread(() => {
      try {
        Atomics.load(pinned, 'x');
      } catch (error) {
        return error;
      }
      return null;
    }));
  } finally {
    globalThis.ConcurrentAccessError = saved;
  }
  assert.ok(thrown instanceof ConcurrentAccessError);
  assert.equal(thrown.constructor, ConcurrentAccessError);
  assert.equal('cause' in thrown, false);
});

test('SPEC-api 4.1 / Deviation 8, 11: Thread.restrict refuses what it could not enforce', () => {
  const refused = typeError('cannot restrict this object');
  for (const value of [undefined, null, 1, 'str', Symbol('s')]) assert.throws(() => Thread.restrict(value), refused);
  const excluded = [
    globalThis, () => {}, function named() {}, new Proxy({}, {}), new Uint8Array(4), new Float64Array(2),
    new DataView(new ArrayBuffer(8)), Array.prototype, Promise.prototype, RegExp.prototype,
    ArrayBuffer.prototype, SharedArrayBuffer.prototype, Uint8Array.prototype,
    Object.getPrototypeOf(Uint8Array.prototype), Array, Promise, new String('s'),
    (function args() { return arguments; })(1, 2),
  ];
  for (const value of excluded) assert.throws(() => Thread.restrict(value), refused);
  for (const value of [{}, [], new Map(), new Date(), new Lock(), Object.create(null)]) {
    assert.equal(Thread.restrict(value), value);
  }
});

test('SPEC-api 4.1 / 5.7.1(0): restricting again is idempotent for the owner and a ConcurrentAccessError elsewhere', async () => {
  const o = Thread.restrict({ v: 1 });
  assert.equal(Thread.restrict(o), o);
  const error = await joinWithin(new Thread(() => {
    try {
      Thread.restrict(o);
    } catch (caught) {
      return caught;
    }
    return null;
  }));
  assert.ok(error instanceof ConcurrentAccessError);
  assert.equal(error.name, 'ConcurrentAccessError');
  assert.equal(error.message, 'Thread.restrict called from a non-owning thread');
});

test('SPEC-api I18 (canBlock: false, the engine\'s --can-block-is-false): every thread is gated, the async forms are not', async () => {
  install({ canBlock: false });
  try {
    const lock = new Lock();
    const cond = new Condition();
    assert.equal(lock.hold(() => 'uncontended'), 'uncontended');
    lock.hold(() => {
      assert.throws(() => cond.wait(lock), typeError('Condition.prototype.wait cannot block the current thread'));
    });
    assert.equal(cond.notify(), 0, 'the refused wait left no waiter');
    const o = { k: 0 };
    assert.throws(() => Atomics.wait(o, 'k', 0), typeError('Atomics.wait cannot be called from the current thread.'));
    assert.equal(Atomics.wait(o, 'k', 1), 'not-equal', 'the gate guards the block, not the call');
    assert.throws(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0),
      typeError('Atomics.wait cannot be called from the current thread.'));
    // A granted no-fn asyncHold makes the lock contended at once (5.5a A).
    const held = new Lock();
    const releasePromise = held.asyncHold();
    assert.equal(held.locked, true);
    assert.throws(() => held.hold(() => 0), typeError('Lock.prototype.hold cannot block the current thread'));
    (await releasePromise)();
    const inner = new Thread(() => {
      const child = new Thread(() => 5);
      const errors = [];
      for (const attempt of [() => child.join(), () => Atomics.wait({ k: 0 }, 'k', 0)]) {
        try {
          attempt();
        } catch (error) {
          errors.push(`${error.name}: ${error.message}`);
        }
      }
      return { errors, child };
    });
    assert.throws(() => inner.join(), typeError('Thread.prototype.join cannot block the current thread'));
    const { errors, child } = await withTimeout(inner.asyncJoin(), 20000, 'inner');
    assert.deepEqual(errors, [
      'TypeError: Thread.prototype.join cannot block the current thread',
      'TypeError: Atomics.wait cannot be called from the current thread.',
    ]);
    assert.equal(await withTimeout(child.asyncJoin(), 20000, 'child'), 5);
    assert.equal(child.join(), 5, 'joining a finished thread never blocks, so it is allowed');
  } finally {
    install({ canBlock: true });
  }
});

test('SPEC-api corpus api/wasm-*: WebAssembly is refused on spawned threads, untouched on main', async () => {
  // (module (func (export "f") (result i32) i32.const 42))
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0,
    10, 6, 1, 4, 0, 65, 42, 11]);
  const module = new WebAssembly.Module(bytes);
  assert.ok(module instanceof WebAssembly.Module);
  assert.equal(new WebAssembly.Instance(module).exports.f(), 42);
  const outcomes = await joinWithin(new Thread(() => {
    const seen = [];
    for (const attempt of [() => new WebAssembly.Module(bytes), () => new WebAssembly.Instance(module),
      () => WebAssembly.validate(bytes), () => WebAssembly.instantiate(bytes)]) {
      try {
        attempt();
        seen.push('ran');
      } catch (error) {
        seen.push(error.name);
      }
    }
    return seen;
  }));
  assert.deepEqual(outcomes, ['TypeError', 'TypeError', 'TypeError', 'TypeError']);
  assert.equal((await WebAssembly.instantiate(bytes)).instance.exports.f(), 42);
});

// ---- corpus round (JSTests/threads run by scripts/run-jsc-corpus.js) -----

test('SPEC-api 4.1 / 5.7: reads and writes of a restricted object\'s own data properties from another thread throw ConcurrentAccessError', async () => {
  const tag = Symbol('tag');
  const pinned = Thread.restrict({ named: 1, [tag]: 'sym' });
  const list = Thread.restrict([10, 20, 30]);
  const child = Object.create(pinned); // inherits from a restricted object
  const outcomes = await joinWithin(new Thread(() => {
    const seen = [];
    for (const attempt of [() => pinned.named, () => pinned[tag], () => { pinned.named = 2; }, () => list[1],
      () => { list[0] = 99; }, () => child.named, () => Object.getOwnPropertyDescriptor(pinned, 'named')]) {
      try {
        attempt();
        seen.push('no error');
      } catch (error) {
        seen.push(error instanceof ConcurrentAccessError ? 'CAE' : String(error));
      }
    }
    return seen;
  }));
  assert.deepEqual(outcomes, ['CAE', 'CAE', 'CAE', 'CAE', 'CAE', 'CAE', 'CAE']);
  // The foreign writes changed nothing; the owner reads and writes as before.
  assert.equal(pinned.named, 1);
  assert.deepEqual([...list], [10, 20, 30]);
  pinned.named = 3;
  list[0] = 11;
  assert.equal(pinned.named, 3);
  assert.equal(list[0], 11);
  assert.equal(pinned[tag], 'sym');
});

test('SPEC-api 4.1 Thread.restrict: the owner sees the same data properties, order and attributes', () => {
  const o = { a: 1, b: 'two' };
  Object.defineProperty(o, 'fixed', { value: 'ro', writable: false, enumerable: false, configurable: true });
  Thread.restrict(o);
  assert.deepEqual(Object.keys(o), ['a', 'b']);
  assert.equal(JSON.stringify(o), '{"a":1,"b":"two"}');
  assert.deepEqual(Object.getOwnPropertyDescriptor(o, 'a'), { value: 1, writable: true, enumerable: true, configurable: true });
  assert.deepEqual(Object.getOwnPropertyDescriptor(o, 'fixed'), { value: 'ro', writable: false, enumerable: false, configurable: true });
  assert.throws(() => {
    'use strict';
    o.fixed = 'changed';
  }, TypeError);
  assert.equal(o.fixed, 'ro');
  // A child's assignment makes the child's own property (a data property on the prototype).
  const child = Object.create(o);
  child.a = 'mine';
  assert.equal(child.a, 'mine');
  assert.equal(o.a, 1);
});

test('SPEC-api 3 maxJSThreads / I17: install({ maxThreads }) caps live threads with the engine\'s RangeError', async () => {
  assert.throws(() => install({ maxThreads: 0 }), RangeError);
  assert.throws(() => install({ maxThreads: 257 }), RangeError);
  assert.throws(() => install({ maxThreads: 1.5 }), TypeError);
  install({ maxThreads: 2 });
  try {
    const gate = new Lock();
    let threads;
    gate.hold(() => {
      threads = [1, 2].map((i) => new Thread(() => gate.hold(() => i)));
      assert.throws(() => new Thread(() => 0), {
        name: 'RangeError',
        message: 'too many live Threads (or thread-ID space exhausted)',
      });
    });
    assert.deepEqual(await Promise.all(threads.map((t) => joinWithin(t))), [1, 2]);
    assert.equal(await joinWithin(new Thread(() => 'room again')), 'room again');
  } finally {
    install({ maxThreads: 256 });
  }
});

test('SPEC-api 4 preamble (GetPrototypeFromConstructor): a newTarget whose prototype is not an object gets the class\'s own prototype', () => {
  function NoProto() {}
  NoProto.prototype = null;
  for (const Ctor of [Lock, Condition, ThreadLocal, ConcurrentAccessError]) {
    assert.equal(Object.getPrototypeOf(Reflect.construct(Ctor, [], NoProto)), Ctor.prototype, Ctor.name);
  }
  const thread = Reflect.construct(Thread, [() => 'ran'], NoProto);
  assert.equal(Object.getPrototypeOf(thread), Thread.prototype);
  assert.equal(thread.join(), 'ran');
  function WithProto() {}
  assert.equal(Object.getPrototypeOf(Reflect.construct(Lock, [], WithProto)), WithProto.prototype);
});

test('SPEC-api corpus api/wasm-call-refused: a spawned thread calling a main-thread export gets TypeError; main and identity unchanged', async () => {
  // (module (func (export "f") (result i32) i32.const 42) (table (export "t") 1 funcref))
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 4, 4, 1, 112, 0, 1,
    7, 9, 2, 1, 102, 0, 0, 1, 116, 1, 0, 10, 6, 1, 4, 0, 65, 42, 11]);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const { f, t } = instance.exports;
  assert.equal(instance.exports.f, f, 'one function per export');
  assert.equal(f(), 42);
  assert.equal(f.name, '0');
  assert.equal(f.length, 0);
  t.set(0, f); // the engine takes the export back where it wants a wasm function
  assert.equal(t.get(0), f);
  const outcome = await joinWithin(new Thread(() => {
    const seen = [instance.exports.f === f];
    for (const call of [() => f(), () => t.get(0)()]) {
      try {
        seen.push(call());
      } catch (error) {
        seen.push(error instanceof TypeError ? 'TypeError' : String(error));
      }
    }
    return seen;
  }));
  assert.deepEqual(outcome, [true, 'TypeError', 'TypeError']);
  assert.equal(f(), 42, 'main still calls it');
});

const [v8Major, v8Minor] = process.versions.v8.split('.').map(Number);
const finalWasmGc = v8Major > 11 || (v8Major === 11 && v8Minor >= 9);
test('SPEC-api 4.1 / 5.7: Thread.restrict refuses WebAssembly GC objects', { skip: !finalWasmGc && 'V8 before 11.9 has no final-encoding wasm GC' }, () => {
  // (module (type (struct (field i32))) (type (func (result anyref)))
  //   (func (export "mk") (type 1) (struct.new_default 0)))
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 9, 2, 95, 1, 127, 0, 96, 0, 1, 110, 3, 2, 1, 1,
    7, 6, 1, 2, 109, 107, 0, 0, 10, 7, 1, 5, 0, 251, 1, 0, 11]);
  const struct = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.mk();
  assert.equal(typeof struct, 'object');
  assert.throws(() => Thread.restrict(struct), { name: 'TypeError', message: 'cannot restrict this object' });
  assert.equal(Thread.restrict({ after: 1 }).after, 1);
});

test('SPEC-api corpus api/wasm-jspi: a suspended wasm call resumed from a spawned thread rejects with TypeError; from main it completes',
  { skip: typeof WebAssembly.Suspending !== 'function' && 'this V8 has no JSPI (WebAssembly.Suspending)' }, async () => {
    // (module (import "m" "get" (func (result i32))) (func (export "run") (result i32) call 0 i32.const 2 i32.mul))
    const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 2, 9, 1, 1, 109, 3, 103, 101, 116, 0, 0,
      3, 2, 1, 0, 7, 7, 1, 3, 114, 117, 110, 0, 1, 10, 9, 1, 7, 0, 16, 0, 65, 2, 108, 11]);
    const suspended = () => {
      let settle;
      const get = new WebAssembly.Suspending(() => new Promise((resolve, reject) => { settle = { resolve, reject }; }));
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { get } });
      const result = WebAssembly.promising(instance.exports.run)();
      return { result, settle };
    };
    const onMain = suspended();
    onMain.settle.resolve(21);
    assert.equal(await onMain.result, 42);
    const fulfilled = suspended();
    await joinWithin(new Thread(() => { fulfilled.settle.resolve(21); }));
    await assert.rejects(fulfilled.result, TypeError);
    const rejected = suspended();
    await joinWithin(new Thread(() => { rejected.settle.reject(new Error('import failed')); }));
    await assert.rejects(rejected.result, TypeError);
    const after = suspended();
    after.settle.resolve(5);
    assert.equal(await after.result, 10);
  });
