/**
 * @deprecated Moved to backend/worker-pool.ts; this re-export goes once nothing imports it here.
 * @module
 */
export * from '../backend/worker-pool.js';
