/**
 * Shared test helpers: bounded, handshake-based waiting. No test sleeps for
 * a fixed time and hopes.
 */

/** A few Int32 words on shared memory, for handshakes with workers. */
export function sharedFlags(count = 4): Int32Array {
  return new Int32Array(new SharedArrayBuffer(count * Int32Array.BYTES_PER_ELEMENT));
}

/**
 * Wait (without blocking the event loop) until `flags[index]` is no longer
 * `from`, or fail after `timeoutMs`.
 */
export async function waitUntilChanged(flags: Int32Array, index: number, from: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = Atomics.load(flags, index);
    if (now !== from) return now;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for flags[${index}] to change from ${from}`);
    const wait = Atomics.waitAsync(flags, index, from, left);
    if (wait.async) await wait.value;
  }
}

/** Reject if `promise` does not settle within `timeoutMs`; the failure names `what`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A deterministic PRNG (mulberry32) for seeded randomness in tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function rejectionOf<E = Error>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (err) {
    return err as E;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

const bundles = new Map<string, string>();

/**
 * A TypeScript worker fixture (path relative to test/fixtures/) with the
 * sources it imports, as one CommonJS script to start with `new Worker(code,
 * { eval: true })` (esbuild, once per fixture and test file).
 */
export async function bundledFixture(name: string): Promise<string> {
  let code = bundles.get(name);
  if (code === undefined) {
    const { buildSync } = await import('esbuild');
    const { fileURLToPath } = await import('node:url');
    const entry = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
    const built = buildSync({ entryPoints: [entry], bundle: true, write: false, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error' });
    code = built.outputFiles[0]!.text;
    bundles.set(name, code);
  }
  return code;
}
