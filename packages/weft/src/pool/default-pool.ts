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
/** The backend kind each choice resolved to, once it has: the warm path of defaultWorkers needs no await. */
const resolvedKinds = new Map<BackendChoice, BackendKind>();

/** The default Pool for a backend choice. */
export async function defaultPool(choice: BackendChoice): Promise<Pool> {
  const kind = (await resolveBackend(choice)).kind;
  resolvedKinds.set(choice, kind);
  let pool = pools.get(kind);
  if (!pool) {
    pool = new Pool({ backend: kind });
    pools.set(kind, pool);
  }
  return pool;
}

/**
 * The default Pool's workers, for `parallelMap`. Once the pool for `choice`
 * runs they come back at once, not as a promise: a small call that finishes
 * on the calling thread then pays no chain of awaits (6.5 µs a call, more
 * than a 1,000-item job of cheap items takes).
 */
export function defaultWorkers(choice: BackendChoice): WorkerPool | Promise<WorkerPool> {
  const kind = resolvedKinds.get(choice);
  const warm = kind === undefined ? undefined : pools.get(kind)?.startedWorkerPool();
  if (warm) return warm;
  return defaultPool(choice).then((pool) => pool.workerPool());
}
