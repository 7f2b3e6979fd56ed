/**
 * The guard against a bundled app re-running itself in every worker. A
 * worker imports a task's module to find the task; when a bundler merged the
 * app's own code into that module, its top level starts parallel work inside
 * the worker, which imports the module again, and so on. While a worker
 * imports a task module, starting parallel work there is refused with an
 * error that names the module and the fix, and the import fails with it.
 *
 * The state lives on `globalThis` under a `Symbol.for` key: the worker
 * runtime and the copy of Weft that the task module imports are separate
 * bundles and must see one value.
 *
 * @module
 */

const KEY = Symbol.for('weft.taskModuleImport');

interface ImportState {
  readonly url: string;
  refusal: TypeError | undefined;
}

function state(): ImportState | undefined {
  return (globalThis as unknown as Record<symbol, ImportState | undefined>)[KEY];
}

function refusalFor(where: string, url: string): TypeError {
  return new TypeError(
    `${where} was called while a worker was importing the task module ${url} to find its task: the module starts ` +
      'parallel work when it is loaded, so every worker would run it again (a bundler that merged task code into the ' +
      'app does this). Keep defineTask/fromModule functions in modules of their own whose top level starts no work, ' +
      'and make them separate entry points or chunks of the bundle (see the bundlers guide)',
  );
}

/**
 * Throws a `TypeError` when called while this worker imports a task module
 * (see the module comment); a no-op everywhere else.
 */
export function refuseDuringTaskImport(where: string): void {
  const current = state();
  if (!current) return;
  const refusal = (current.refusal ??= refusalFor(where, current.url));
  throw refusal;
}

/** Worker side: import a task module under the guard; the import fails if the module started parallel work. */
export async function importTaskModule<M>(url: string, load: () => Promise<M>): Promise<M> {
  const globals = globalThis as unknown as Record<symbol, ImportState | undefined>;
  const current: ImportState = { url, refusal: undefined };
  globals[KEY] = current;
  try {
    const mod = await load();
    if (current.refusal) throw current.refusal;
    return mod;
  } finally {
    if (globals[KEY] === current) globals[KEY] = undefined;
  }
}
