// functions-and-data.md says what happens to a `.ts` task module under tsx on
// Node 20, quoting the error. This runs the guide's own `digest.ts` under tsx,
// with its items forced onto workers, and holds the quote to the real error.

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

test(`${guide}: the quoted tsx failure is what tsx on Node ${process.versions.node} gives`, { skip: process.versions.node.split('.')[0] !== '20' && 'the guide describes Node 20' }, async () => {
  const sample = extractSamples(guide, text).find((s) => s.code.startsWith('// digest.ts'));
  assert.ok(sample, 'the guide has a sample that starts with // digest.ts');
  const digest = splitFiles(sample).find(({ name }) => name === 'digest.ts');

  const quote = /`(TaskError: parallelMap: the function could not be started in a worker: [^`]*)`/.exec(text)?.[1];
  assert.ok(quote, 'the guide quotes the TaskError');
  // `…` in the quote stands for text that varies (the path) or goes on.
  const expected = new RegExp(quote.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*?'));

  const dir = join(packageDir, '.out', 'tsx-task-module');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'digest.ts'), digest.code);
  writeFileSync(
    join(dir, 'main.ts'),
    "import { parallelMap } from 'weftjs';\nimport { digest } from './digest.js';\n\nconsole.log(await parallelMap(['alpha', 'beta'], digest, { inline: 'never' }));\n",
  );
  const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
  const { code, stderr } = await new Promise((done) => {
    execFile(process.execPath, [tsxCli, 'main.ts'], { cwd: dir, timeout: 60_000, killSignal: 'SIGKILL' }, (error, _stdout, err) =>
      done({ code: error ? (error.code ?? error.signal) : 0, stderr: err }),
    );
  });
  assert.notEqual(code, 0, 'the .ts task module was expected to fail on a worker');
  assert.match(stderr, expected);
});
