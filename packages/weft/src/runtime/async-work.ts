/**
 * How much asynchronous work (async tasks, async map jobs) is in flight in
 * this worker. While any is, an idle worker sleeps with `Atomics.waitAsync`
 * so that its event loop keeps running their continuations; otherwise it
 * sleeps in a blocking `Atomics.wait`, which wakes in microseconds.
 *
 * @module
 */

let inFlight = 0;

/** Count `work` as in flight until it settles. */
export function trackAsync<T>(work: Promise<T>): Promise<T> {
  inFlight++;
  return work.finally(() => {
    inFlight--;
  });
}

/** True while asynchronous work is in flight in this worker. */
export function asyncInFlight(): boolean {
  return inFlight > 0;
}
