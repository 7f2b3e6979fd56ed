/**
 * TypeScript task modules: which runtimes load them in workers by themselves.
 * Node 22.18+ and 24 strip types, Bun and Deno compile them; Node 20 needs a
 * loader that works in workers (tsx, which Weft's workers register, see
 * runtime/tsx-in-worker.ts).
 *
 * @module
 */

/** True when `url` names a TypeScript module (.ts, .mts, .cts, .tsx). */
export function isTypeScriptModule(url: string): boolean {
  try {
    return /\.[cm]?tsx?$/.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/** True where the runtime loads TypeScript itself: Node with type stripping on (22.18+, 24), Bun, Deno, and non-Node hosts (bundled apps). */
export function runtimeStripsTypes(): boolean {
  const g = globalThis as { process?: { features?: { typescript?: unknown }; versions?: { node?: string } }; Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined || g.Deno !== undefined || typeof g.process?.versions?.node !== 'string') return true;
  return Boolean(g.process.features?.typescript);
}
