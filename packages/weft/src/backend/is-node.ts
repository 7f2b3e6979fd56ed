/**
 * Which runtime this is, for choosing a backend without loading it.
 *
 * @module
 */

/**
 * True on Node itself (not on Bun or Deno, which run Node code too).
 *
 * @example
 * ```ts
 * if (isNode()) console.log('worker_threads, and node:v8 for streamed items');
 * ```
 */
export function isNode(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Bun?: unknown; Deno?: unknown };
  return typeof g.process?.versions?.node === 'string' && g.Bun === undefined && g.Deno === undefined;
}
