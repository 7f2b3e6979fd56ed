/**
 * The one small interface between Weft's core and a platform. Each platform is
 * one file that implements it: `node-worker.ts` (Node `worker_threads`),
 * `web-worker.ts` (Web Workers in Bun, Deno and browsers) and
 * `native-thread.ts` (the engine's shared-heap `Thread` API). Nothing else in
 * the library touches `node:*` modules or runtime globals.
 *
 * @module
 */
import type { ItemStream, ItemStreamReader } from './item-stream.js';
import type { FromWorker, ToWorker } from '../protocol.js';

/** The two families of backends users choose between. */
export type BackendKind = 'workers' | 'native';

/** What the core is told about an execution context's life. */
export interface ContextEvents {
  /** A protocol message arrived from the context. */
  message(message: FromWorker): void;
  /**
   * The context is gone and will send nothing more. `exitCode` is the
   * platform's exit code (`null` where it has none); `error` is the uncaught
   * error that killed it, when there was one. Called at most once.
   */
  exit(exitCode: number | null, error: unknown): void;
}

/** One worker or thread, as the core sees it. */
export interface ExecutionContext {
  /**
   * Send a message (values are cloned on worker backends, shared on native);
   * the buffers in `transfer` are moved, not cloned (ignored on native).
   */
  post(message: ToWorker, transfer?: readonly ArrayBuffer[]): void;
  /** Keep the process alive while this context has work. */
  ref(): void;
  /** Let the process exit while this context is idle. */
  unref(): void;
  /** Stop the context now; `exit` follows. */
  terminate(): void;
}

/** Limits of one worker's heap and stack (Node's `resourceLimits`; other platforms ignore them). */
export interface ResourceLimits {
  /** Most memory (MB) for the worker's main heap. */
  readonly maxOldGenerationSizeMb?: number;
  /** Most memory (MB) for the heap space of recently created objects. */
  readonly maxYoungGenerationSizeMb?: number;
  /** Memory (MB) reserved for generated code. */
  readonly codeRangeSizeMb?: number;
  /** The worker's stack size (MB). */
  readonly stackSizeMb?: number;
}

/** How to start one context. */
export interface SpawnOptions {
  readonly resourceLimits?: ResourceLimits;
}

/** A platform's way to run the worker runtime. */
export interface Backend {
  /** The platform file that implements it: `'node-worker'`, `'web-worker'` or `'native-thread'`. */
  readonly name: string;
  readonly kind: BackendKind;
  /** How many contexts can run at once on this machine. */
  parallelism(): number;
  /**
   * Start a context running the worker runtime. The context announces itself
   * with a `ready` message, and reports its end through `events.exit`.
   */
  spawn(events: ContextEvents, options?: SpawnOptions): ExecutionContext;
  /**
   * Stream a map job's items `items[from..]` to its participants through
   * shared memory: serialized once, block by block, into a bounded ring that
   * the caller refills as workers claim and decode blocks
   * (`item-stream.ts`), so that neither a clone per worker nor the whole
   * serialized copy ever exists. Undefined (or absent) where the platform
   * cannot stream these items; each post then clones them. Never asked for
   * items that hold shared memory (only a post shares it). The worker side's
   * {@link WorkerEndpoint.itemReader} reads it.
   */
  streamItems?(items: readonly unknown[], from: number, blockSize: number): ItemStream | undefined;
}

/** The worker side of a backend: how the runtime inside a context talks to its caller. */
export interface WorkerEndpoint {
  /** Send a message to the caller; the buffers in `transfer` are moved, not cloned. */
  post(message: FromWorker, transfer?: readonly ArrayBuffer[]): void;
  listen(handler: (message: ToWorker) => void): void;
  /**
   * A reader of items streamed by {@link Backend.streamItems}, decoding a
   * block the first time one of its items is read; `stopped` tells it, while
   * it waits for a block, that the job has stopped.
   */
  itemReader?(shared: SharedArrayBuffer, stopped: () => boolean): ItemStreamReader;
}
