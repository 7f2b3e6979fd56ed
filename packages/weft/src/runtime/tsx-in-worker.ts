/**
 * Worker side, Node before native type stripping (Node 20): an app run under
 * tsx has tsx's loader in its `execArgv`, and workers inherit that flag, but
 * tsx registers its hooks on the main thread only, so a worker cannot import
 * a `.ts` task module. Weft's worker registers tsx's ESM hooks itself, from
 * the same tsx install (its `esm/api`), before its first TypeScript import
 * (after a failed import, Node would keep failing that URL).
 *
 * @module
 */

type NodeProcess = { execArgv?: readonly string[] };

/** Flags that name a module to preload, with their values. */
const PRELOAD_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/**
 * Where tsx's `esm/api` module is, for the tsx named by a preload flag in
 * `execArgv` (`--import tsx`, or the file tsx's CLI passes:
 * `--import file:///…/tsx/dist/loader.mjs`); undefined when tsx is not among them.
 */
export function tsxApiSpecifier(execArgv: readonly string[]): string | undefined {
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!PRELOAD_FLAGS.has(name)) continue;
    const value = eq < 0 ? execArgv[++i] : arg.slice(eq + 1);
    if (value === undefined) continue;
    if (/^tsx(\/.*)?$/.test(value)) return 'tsx/esm/api';
    const dist = /^(.*[\\/]tsx[\\/]dist)[\\/][^\\/]+$/.exec(value);
    if (dist) {
      const base = dist[1]!.startsWith('file:') ? dist[1]! : `file://${dist[1]!.startsWith('/') ? '' : '/'}${dist[1]!.replace(/\\/g, '/')}`;
      return `${base}/esm/api/index.mjs`;
    }
  }
  return undefined;
}

let registering: Promise<boolean> | undefined;

/**
 * Register tsx's ESM hooks in this worker, once, if the app runs under tsx;
 * resolves to whether they are registered. `load` imports a specifier (the
 * caller's `import()`, so bare `tsx/esm/api` resolves from the working directory).
 */
export function registerTsxInWorker(load: (specifier: string) => Promise<unknown>): Promise<boolean> {
  registering ??= (async () => {
    const proc = (globalThis as { process?: NodeProcess }).process;
    const specifier = tsxApiSpecifier(proc?.execArgv ?? []);
    if (specifier === undefined) return false;
    try {
      const api = (await load(specifier)) as { register?: () => unknown };
      if (typeof api.register !== 'function') return false;
      api.register();
      return true;
    } catch {
      return false; // the caller reports the original import error
    }
  })();
  return registering;
}
