// functions-and-data.md says what happens to a `.ts` task module on Node 20:
// under tsx it works on workers too (Weft's workers register tsx's hooks);
// with hooks registered in code only, the call fails at any size, with the
// error the guide quotes. Both run the guide's own `digest.ts`.

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { extractSamples, splitFiles } from '../src/extract.mjs';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const guide = 'docs/guides/functions-and-data.md';
const text = readFileSync(resolve(packageDir, '../..', guide), 'utf8');

const onNode20 = process.versions.node.split('.')[0] === '20';
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

/** The guide's digest.ts and its printed digests, in a fresh folder under .out/. */
function setUp(name) {
  const sample = extractSamples(guide, text).find((s) => s.code.startsWith('// digest.ts'));
  assert.ok(sample, 'the guide has a sample that starts with // digest.ts');
  const files = splitFiles(sample);
  const digest = files.find(({ name: file }) => file === 'digest.ts');
  const printed = /console\.log\(digests\); \/\/ (\[.*\])/.exec(files.find(({ name: file }) => file === 'main.ts').code)?.[1];
  assert.ok(printed, 'the guide says what main.ts prints');
  const dir = join(packageDir, '.out', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'digest.ts'), digest.code);
  return { dir, printed };
}

function run(dir, args) {
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: dir, timeout: 60_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) =>
      done({ code: error ? (error.code ?? error.signal) : 0, stdout, stderr }),
    );
  });
}

test(`${guide}: under tsx on Node 20, a .ts task module runs on workers`, { skip: !onNode20 && 'the guide describes Node 20' }, async () => {
  const { dir, printed } = setUp('tsx-task-module');
  // Every item on a worker: the calling thread (which tsx serves anyway) runs none.
  writeFileSync(
    join(dir, 'main.ts'),
    "import { parallelMap } from 'weftjs';\nimport { digest } from './digest.js';\n\nconsole.log(await parallelMap(['alpha', 'beta'], digest, { inline: 'never' }));\n",
  );
  for (const args of [[tsxCli, 'main.ts'], ['--import', 'tsx', 'main.ts']]) {
    const { code, stdout, stderr } = await run(dir, args);
    assert.equal(code, 0, `node ${args.join(' ')} failed:\n${stderr}`);
    assert.equal(stdout.trim(), printed);
  }
});

test(`${guide}: the quoted failure, for hooks that do not reach workers, at any input size`, { skip: !onNode20 && 'the guide describes Node 20' }, async () => {
  const { dir } = setUp('ts-hooks-in-code');
  const quote = /`(TaskError: parallelMap: the function could not be started in a worker: [^`]*)`/.exec(text)?.[1];
  assert.ok(quote, 'the guide quotes the TaskError');
  // `…` in the quote stands for text that varies (the path, the version) or goes on.
  const expected = new RegExp(quote.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*?'));
  // tsx's hooks registered in code, on the main thread only: no flag for workers to inherit.
  // Two items, and no inline option: they would run on the calling thread but for the TypeScript rule.
  writeFileSync(
    join(dir, 'main.mjs'),
    "import { register } from 'tsx/esm/api';\nregister();\nconst { parallelMap } = await import('weftjs');\nconst { digest } = await import('./digest.ts');\nconsole.log(await parallelMap(['alpha', 'beta'], digest));\n",
  );
  const { code, stdout, stderr } = await run(dir, ['main.mjs']);
  assert.notEqual(code, 0, `expected the call to fail; it printed ${stdout}`);
  assert.match(stderr, expected);
});
