/**
 * Weft beyond one machine: `ClusterPool.map` and `run` over a BullMQ queue
 * on Redis, with `weft-worker` (or `startWorker`) on every machine.
 *
 * ```ts
 * import { ClusterPool } from 'weftjs-cluster';
 * const cluster = new ClusterPool({ connection: 'redis://10.0.0.5:6379', queue: 'thumbnails' });
 * const sizes = await cluster.map(files, resize);
 * await cluster.close();
 * ```
 *
 * @module
 */
export { ClusterPool } from './cluster-pool.js';
export type { ClusterPoolOptions, ClusterMapOptions, ClusterMapFn } from './cluster-pool.js';
export { startWorker } from './start-worker.js';
export type { WorkerOptions, ClusterWorker } from './start-worker.js';
export { ClusterError } from './errors.js';
export type { ClusterErrorCode } from './errors.js';
export type { ConnectionOption, SharedOptions } from './options.js';
