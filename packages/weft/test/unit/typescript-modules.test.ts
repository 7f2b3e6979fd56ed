import { describe, expect, it } from 'vitest';
import { tsxApiSpecifier } from '../../src/runtime/tsx-in-worker.js';
import { isTypeScriptModule } from '../../src/task/typescript-modules.js';

describe('TypeScript task modules', () => {
  it('knows a TypeScript module by its URL', () => {
    for (const ext of ['ts', 'mts', 'cts', 'tsx']) expect(isTypeScriptModule(`file:///app/task.${ext}`)).toBe(true);
    for (const url of ['file:///app/task.js', 'file:///app/task.mjs', 'file:///app/ts', 'https://x.test/a.ts.js', 'not a url']) {
      expect(isTypeScriptModule(url)).toBe(false);
    }
    expect(isTypeScriptModule('file:///app/task.ts?v=1')).toBe(true);
  });

  it('finds tsx among the preload flags a worker inherits, in the forms tsx and Node use', () => {
    // What `tsx main.ts` passes to node.
    expect(tsxApiSpecifier(['--require', '/app/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///app/node_modules/tsx/dist/loader.mjs'])).toBe(
      'file:///app/node_modules/tsx/dist/esm/api/index.mjs',
    );
    expect(tsxApiSpecifier(['--import=file:///app/node_modules/tsx/dist/loader.mjs'])).toBe('file:///app/node_modules/tsx/dist/esm/api/index.mjs');
    expect(tsxApiSpecifier(['--require', '/app/node_modules/tsx/dist/preflight.cjs'])).toBe('file:///app/node_modules/tsx/dist/esm/api/index.mjs');
    expect(tsxApiSpecifier(['--import', 'tsx'])).toBe('tsx/esm/api');
    expect(tsxApiSpecifier(['--import', 'tsx/esm'])).toBe('tsx/esm/api');
    expect(tsxApiSpecifier(['--loader', 'tsx'])).toBe('tsx/esm/api');
  });

  it('does not take other loaders, or tsx outside a preload flag, for tsx', () => {
    expect(tsxApiSpecifier([])).toBeUndefined();
    expect(tsxApiSpecifier(['--import', 'ts-node/esm'])).toBeUndefined();
    expect(tsxApiSpecifier(['--import', '/app/node_modules/tsx-like/dist/loader.mjs'])).toBeUndefined();
    expect(tsxApiSpecifier(['--conditions', 'tsx'])).toBeUndefined();
    expect(tsxApiSpecifier(['--import'])).toBeUndefined();
  });
});
