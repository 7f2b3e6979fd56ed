/**
 * How a worker names itself in errors and logs: `host:pid`.
 *
 * @module
 */
import { hostname } from 'node:os';

/** `host:pid` of this process. */
export function machineName(): string {
  return `${hostname()}:${process.pid}`;
}
