/**
 * The handles `fork` returns inside a worker: one over a slot that another
 * worker may run (joined through the scheduler), one over a fork that ran at
 * once on this worker.
 *
 * @module
 */

/** The handle `fork` returns inside a worker. */
export interface WorkerForkHandle<R> extends PromiseLike<R> {
  /** Wait for the result, running other queued work meanwhile. */
  join(): R;
}

/** What a slot's handle joins through: the worker's scheduler. */
export interface Joiner {
  join(slot: number): unknown;
  joinAsync(slot: number): Promise<unknown>;
}

/**
 * A fork queued in a slot: `join()` (blocking, running other work) or
 * `await` (asynchronous), with the outcome kept for a second look.
 *
 * @example
 * ```ts
 * const handle = new SlotHandle<number>(scheduler, slot);
 * const value = handle.join();
 * ```
 */
export class SlotHandle<R> implements WorkerForkHandle<R> {
  private outcome: { value: R } | { error: unknown } | undefined;

  constructor(
    private readonly scheduler: Joiner,
    private readonly slot: number,
  ) {}

  join(): R {
    if (!this.outcome) {
      try {
        this.outcome = { value: this.scheduler.join(this.slot) as R };
      } catch (error) {
        this.outcome = { error };
      }
    }
    if ('error' in this.outcome) throw this.outcome.error;
    return this.outcome.value;
  }

  then<A = R, B = never>(onFulfilled?: ((value: R) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): PromiseLike<A | B> {
    const settled: Promise<R> = this.outcome
      ? 'error' in this.outcome
        ? Promise.reject(this.outcome.error)
        : Promise.resolve(this.outcome.value)
      : this.scheduler.joinAsync(this.slot).then(
          (value) => {
            this.outcome = { value: value as R };
            return value as R;
          },
          (error: unknown) => {
            this.outcome = { error };
            throw error;
          },
        );
    return settled.then(onFulfilled, onRejected);
  }
}

/**
 * A fork that already ran (on this worker, at once): its outcome as a handle.
 *
 * @example
 * ```ts
 * const handle = settledHandle(() => 6 * 7);
 * handle.join(); // 42
 * ```
 */
export function settledHandle<R>(compute: () => R): WorkerForkHandle<R> {
  let outcome: { value: R } | { error: unknown };
  try {
    outcome = { value: compute() };
  } catch (error) {
    outcome = { error };
  }
  return {
    join(): R {
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    },
    then(onFulfilled, onRejected) {
      const p = 'error' in outcome ? Promise.reject(outcome.error) : Promise.resolve(outcome.value);
      return p.then(onFulfilled, onRejected);
    },
  };
}
