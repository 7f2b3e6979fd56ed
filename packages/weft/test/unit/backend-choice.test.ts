// Backend selection where the engine has no Thread API (the workers project):
// auto picks workers, and asking for native fails clearly, at once.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, parallelMap, Pool } from 'weftjs';
import { rejectionOf } from '../helpers.js';

describe('backend choice without the Thread API', () => {
  it('backend: native rejects with BackendUnavailableError naming the backend, for parallelMap and Pool', async () => {
    const err = await rejectionOf<BackendUnavailableError>(parallelMap([1, 2], (x) => x, { backend: 'native', inline: 'never' }));
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.backend).toBe('native');
    expect(err.message).toMatch(/Thread API/);
    const pool = new Pool({ backend: 'native' });
    expect(await rejectionOf(pool.run((x: number) => x, 1))).toBeInstanceOf(BackendUnavailableError);
    await pool.terminate();
  });

  it('auto picks workers: a capturing function is refused as on workers', () => {
    const k = 2;
    expect(() => parallelMap([1], (x) => x * k, { backend: 'auto' })).toThrow(/outer variable k/);
  });

  it('with the shim loaded, auto picks native; WEFT_BACKEND=workers forces workers', () => {
    const script = (env: string) =>
      [
        "import { createRequire } from 'node:module';",
        "createRequire(import.meta.url)('@weft/thread-shim');",
        "const { parallelMap } = await import('weftjs');",
        'const k = 3;',
        // A capture runs on native threads, and is refused on workers.
        "const out = await (async () => parallelMap([1, 2], (x) => x * k, { inline: 'never' }))().then((r) => r.join(','), (e) => e.constructor.name);",
        'console.log(out);',
      ].join('\n') + `// ${env}`;
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', script(JSON.stringify(env))], {
        cwd: process.cwd(),
        env: { ...process.env, WEFT_BACKEND: '', ...env },
        timeout: 20_000,
        encoding: 'utf8',
      });
    const auto = run({});
    expect(auto.stderr).toBe('');
    expect(auto.stdout.trim()).toBe('3,6');
    const forced = run({ WEFT_BACKEND: 'workers' });
    expect(forced.stdout.trim()).toBe('TypeError');
  });
});
