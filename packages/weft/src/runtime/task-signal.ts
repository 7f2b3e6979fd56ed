/**
 * What a task on a worker sees of its cancellation, and how a worker lets
 * its event loop run between tasks.
 *
 * @module
 */

/** Let the event loop run (messages, timers, promise reactions) before continuing. */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(0);
  });
}


/** A task's AbortSignal whose `aborted` reads the slot's cancel word, so synchronous tasks can poll it. */
export function taskSignal(words: Int32Array, cancelWord: number, watch: (check: () => void) => void): AbortSignal {
  const controller = new AbortController();
  const signal = controller.signal;
  const native = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
  // Deno's abort() reads `signal.aborted` itself, which lands back in this getter: abort once, never re-enter.
  let aborting = false;
  Object.defineProperty(signal, 'aborted', {
    get(): boolean {
      if (!aborting && Atomics.load(words, cancelWord) !== 0 && !native.call(signal)) {
        aborting = true;
        controller.abort(new Error('The task was cancelled'));
      }
      return native.call(signal) as boolean;
    },
  });
  // Async tasks get the 'abort' event from a periodic check while they run.
  watch(() => void signal.aborted);
  return signal;
}


/**
 * Checks the cancel words of running async tasks every 10 ms, only while any
 * runs (a synchronous task polls `signal.aborted` itself).
 *
 * @example
 * ```ts
 * const watcher = new CancelWatcher();
 * const unwatch = watcher.watch(() => void signal.aborted);
 * ```
 */
export class CancelWatcher {
  private readonly watchers = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;

  /** Call `check` every 10 ms until the returned function is called. */
  watch(check: () => void): () => void {
    this.watchers.add(check);
    this.timer ??= setInterval(() => {
      for (const c of this.watchers) c();
    }, 10);
    return () => {
      this.watchers.delete(check);
      if (this.watchers.size === 0 && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }
}
