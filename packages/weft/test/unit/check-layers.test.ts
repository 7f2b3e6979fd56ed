// The dependency check that `npm test` runs (scripts/check-layers.mjs), on small trees of its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const script = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/check-layers.mjs');
const trees: string[] = [];

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'weft-layers-'));
  trees.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterEach(() => {
  for (const root of trees.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('check-layers', () => {
  it('passes a tree whose folders import downwards, and prints its layers', () => {
    const root = tree({
      'low/a.ts': 'export const a = 1;\n',
      'mid/b.ts': "import { a } from '../low/a.js';\nexport const b = a;\n",
      'top.ts': "export { b } from './mid/b.js';\n",
    });
    const out = execFileSync(process.execPath, [script, root], { encoding: 'utf8' });
    expect(out).toContain('0: low');
    expect(out).toContain('1: mid');
    expect(out).toContain('2: top');
  });

  it('fails on a circle, naming the folders and the imports that make it, type-only imports included', () => {
    const root = tree({
      'one/a.ts': "import type { B } from '../two/b.js';\nexport type A = B;\n",
      'two/b.ts': "import { c } from './c.js';\nexport type B = number;\nexport const d = c;\n",
      'two/c.ts': "// import { nothing } from '../one/a.js' (a comment: not an import)\nexport const c = import('../one/a.js');\n",
    });
    const run = spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('circle between folders: one, two');
    expect(run.stderr).toContain('one -> two: one/a.ts -> two/b.js');
    expect(run.stderr).toContain('two -> one: two/c.ts -> one/a.js');
  });

  it('passes the library itself', () => {
    expect(execFileSync(process.execPath, [script], { encoding: 'utf8' })).toMatch(/^no circle between the \d+ folders of src\//);
  });
});
