'use strict';
// The assertion helpers that the upstream corpus (oven-sh/WebKit
// JSTests/threads) expects from its `load("../harness.js")` and
// `load("../resources/assert.js")`, written for this runner from their
// observable use in the corpus (the upstream helper files are not stored
// here). jsc-shell.js installs them when a test loads a helper file that its
// corpus checkout does not have.
//
// Blocking helpers (sleepMs, waitUntil) park in a property Atomics.wait with
// a time-out, so they hand the global lock to other threads like the
// engine's parks do.

/** Installs shouldBe, shouldThrow, spawnN, waitUntil, ... on `global`. */
function installJscHarness(global) {
  const describe = (value) => {
    try {
      if (typeof value === 'string') return JSON.stringify(value);
      if (typeof value === 'bigint') return `${value}n`;
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  };
  const fail = (message, detail) => {
    throw new Error(message === undefined ? detail : `${message}: ${detail}`);
  };
  const same = (a, b) => a === b || (a !== a && b !== b); // NaN equals NaN

  const helpers = {
    shouldBe(actual, expected, message) {
      if (!same(actual, expected)) fail(message, `expected ${describe(expected)} but got ${describe(actual)}`);
    },
    shouldNotBe(actual, unexpected, message) {
      if (same(actual, unexpected)) fail(message, `did not expect ${describe(unexpected)}`);
    },
    shouldBeTrue(actual, message) {
      if (actual !== true) fail(message, `expected true but got ${describe(actual)}`);
    },
    shouldBeFalse(actual, message) {
      if (actual !== false) fail(message, `expected false but got ${describe(actual)}`);
    },
    // shouldThrow(ErrorClass, fn, message?): the message may be given with or
    // without the "ClassName: " prefix (the corpus uses both).
    shouldThrow(errorClass, fn, message) {
      let thrown = false;
      let error;
      try {
        fn();
      } catch (e) {
        thrown = true;
        error = e;
      }
      if (!thrown) fail(undefined, `expected ${errorClass && errorClass.name} to be thrown, nothing was`);
      if (typeof errorClass === 'function' && !(error instanceof errorClass)) {
        fail(undefined, `expected ${errorClass.name} but got ${describe(error)}`);
      }
      if (message !== undefined) {
        const text = describe(error);
        const own = error !== null && typeof error === 'object' ? error.message : undefined;
        if (text !== message && own !== message) fail(undefined, `expected message ${describe(message)} but got ${describe(text)}`);
      }
      return error;
    },
    shouldNotThrow(fn, message) {
      try {
        fn();
      } catch (e) {
        fail(message, `unexpected exception ${describe(e)}`);
      }
    },
    sleepMs(ms) {
      Atomics.wait({ parked: 0 }, 'parked', 0, ms);
    },
    waitUntil(predicate, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`waitUntil: condition not met within ${timeoutMs} ms`);
        helpers.sleepMs(1);
      }
    },
    spawnN(count, fn) {
      const threads = [];
      for (let i = 0; i < count; i++) threads.push(new Thread(fn, i));
      return threads;
    },
    joinAll(threads) {
      return threads.map((thread) => thread.join());
    },
  };
  for (const [name, value] of Object.entries(helpers)) {
    Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
  }
}

module.exports = { installJscHarness };
