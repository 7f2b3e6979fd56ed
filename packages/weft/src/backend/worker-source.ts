/**
 * The worker runtime (`src/worker.ts`), bundled to one script at build time
 * and embedded here as text by the rollup config.
 *
 * @module
 */
import source from 'virtual:weft-worker-source';

/** Source text of the worker runtime. */
export const workerSource: string = source;
