/**
 * @deprecated Moved to task/current-scheduler.ts; this re-export goes once nothing imports it here.
 * @module
 */
export * from '../task/current-scheduler.js';
