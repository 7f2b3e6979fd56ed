/**
 * The default Pool of each backend: created lazily by the first call that
 * needs it, sized to the machine, and never keeping the process alive while
 * idle.
 *
 * @module
 */
import { resolveBackend, type BackendChoice } from '../backend/select-backend.js';
import type { BackendKind } from '../backend/backend.js';
import { Pool } from './pool.js';
import type { WorkerPool } from '../backend/worker-pool.js';

const pools = new Map<BackendKind, Pool>();

/** The default Pool for a backend choice. */
export async function defaultPool(choice: BackendChoice): Promise<Pool> {
  const kind = (await resolveBackend(choice)).kind;
  let pool = pools.get(kind);
  if (!pool) {
    pool = new Pool({ backend: kind });
    pools.set(kind, pool);
  }
  return pool;
}

/** The default Pool's workers, for `parallelMap`. */
export async function defaultWorkers(choice: BackendChoice): Promise<WorkerPool> {
  return (await defaultPool(choice)).workerPool();
}
