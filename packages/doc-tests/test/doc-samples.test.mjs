// Every ```ts / ```js sample in the guides and the READMEs: type-checked
// against the built weftjs types (TypeScript samples), then run with Node,
// unless a `<!-- doc-test: ... -->` marker before it says otherwise (see the
// README of this package).

import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import ts from 'typescript';
import { expectedFromComments, extractSamples, matchesClaim, splitFiles } from '../src/extract.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '..');
const repoRoot = resolve(packageDir, '../..');
const outDir = join(packageDir, '.out');
const preludePath = join(packageDir, 'src/prelude.d.ts');
const RUN_TIMEOUT_MS = 60_000;

const markdownFiles = [
  'README.md',
  'packages/weft/README.md',
  ...readdirSync(join(repoRoot, 'docs/guides'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/guides/${name}`),
];

const samples = markdownFiles.flatMap((file) => extractSamples(file, readFileSync(join(repoRoot, file), 'utf8')));

// Each sample gets a folder of its own inside this package, so that `weftjs`
// resolves to the workspace's build, and `./digest.js` to the sample's module.
rmSync(outDir, { recursive: true, force: true });
for (const sample of samples) {
  sample.dir = join(outDir, `${sample.file.replaceAll('/', '__').replace(/\.md$/, '')}-L${sample.line}`);
  sample.files = splitFiles(sample);
  if (sample.mode === 'skip') continue;
  mkdirSync(sample.dir, { recursive: true });
  for (const { name, code } of sample.files) writeFileSync(join(sample.dir, name), code);
}

const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.esnext.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  typeRoots: [join(repoRoot, 'node_modules/@types')],
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  skipLibCheck: true,
  noEmit: true,
};

// One program for every TypeScript sample (much faster than one each); the
// diagnostics are then handed to the sample whose folder holds the file.
const tsFiles = samples
  .filter((sample) => sample.lang === 'ts' && sample.mode !== 'skip')
  .flatMap((sample) => sample.files.filter(({ name }) => /\.m?ts$/.test(name)).map(({ name }) => join(sample.dir, name)));
const program = ts.createProgram([preludePath, ...tsFiles], compilerOptions);
const diagnosticsByDir = new Map();
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  const where = diagnostic.file ? dirname(diagnostic.file.fileName) : '';
  const list = diagnosticsByDir.get(where) ?? [];
  list.push(diagnostic);
  diagnosticsByDir.set(where, list);
}
const formatHost = {
  getCanonicalFileName: (name) => name,
  getCurrentDirectory: () => outDir,
  getNewLine: () => '\n',
};

test('the prelude and the compiler setup type-check', () => {
  const stray = [...diagnosticsByDir.entries()].filter(([where]) => !samples.some((sample) => sample.dir === where));
  assert.equal(ts.formatDiagnostics(stray.flatMap(([, list]) => list), formatHost), '');
});

test('every skip, typecheck-only and any-output marker gives a reason', () => {
  for (const sample of samples) {
    if (['skip', 'typecheck-only', 'any-output'].includes(sample.mode)) assert.notEqual(sample.argument, '', `${sample.file}:${sample.line}`);
  }
});

for (const sample of samples) {
  const name = `${sample.file}:${sample.line} (${sample.lang}, ${sample.mode}${sample.argument ? `: ${sample.argument}` : ''})`;
  if (sample.mode === 'skip') {
    test(name, { skip: sample.argument }, () => {});
    continue;
  }
  test(name, async (t) => {
    if (sample.lang === 'ts') {
      const diagnostics = diagnosticsByDir.get(sample.dir) ?? [];
      if (diagnostics.length > 0) assert.fail(`type errors in the sample:\n${diagnostics.map((d) => describeDiagnostic(sample, d)).join('\n')}`);
    }
    if (sample.mode === 'typecheck-only') return;

    const main = sample.files.find(({ name }) => /^main\.m?[jt]s$/.test(name)) ?? sample.files.at(-1);
    for (const { name, code } of sample.files) {
      if (!/\.m?ts$/.test(name)) continue;
      const { outputText } = ts.transpileModule(code, {
        fileName: name,
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
      });
      writeFileSync(join(sample.dir, name.replace(/ts$/, 'js')), outputText);
    }
    const entry = main.name.replace(/ts$/, 'js');
    const { code, stdout, stderr, timedOut } = await runNode(sample.dir, entry);
    const transcript = `\n--- exit ${code}${timedOut ? ' (timed out)' : ''}, in ${relative(repoRoot, sample.dir)}\n--- stdout\n${stdout}--- stderr\n${stderr}`;
    assert.ok(!timedOut, `the sample did not finish in ${RUN_TIMEOUT_MS} ms${transcript}`);

    if (sample.mode === 'throws') {
      assert.notEqual(code, 0, `the sample was expected to throw ${sample.argument}${transcript}`);
      assert.match(stderr, new RegExp(`^(Uncaught )?${sample.argument}\\b`, 'm'), `the sample threw, but not ${sample.argument}${transcript}`);
      // `// RangeError: the message` in the sample: the message is a claim too.
      const claimed = new RegExp(`// (${sample.argument}: .*)$`, 'm').exec(sample.code)?.[1].trim();
      if (claimed !== undefined) assert.ok(stderr.includes(claimed), `the sample says it throws ${JSON.stringify(claimed)}${transcript}`);
      return;
    }
    assert.equal(code, 0, `the sample failed${transcript}`);
    if (sample.mode === 'expect-output') {
      assert.equal(normalize(stdout), normalize(sample.expectedOutput), `the output differs from the block after the sample${transcript}`);
    } else if (sample.mode === 'run') {
      // `console.log(x); // what it prints`: when every console.log says what it prints, hold it to that.
      const claims = expectedFromComments(sample.code);
      if (claims !== undefined) {
        const printed = normalize(stdout).split('\n');
        assert.equal(printed.length, claims.length, `the sample's comments claim ${claims.length} lines of output${transcript}`);
        claims.forEach((claim, i) => {
          assert.ok(matchesClaim(printed[i], claim), `output line ${i + 1} is ${JSON.stringify(printed[i])}, the comment says ${JSON.stringify(claim)}${transcript}`);
        });
      }
    }
    t.diagnostic(`ran ${entry}`);
  });
}

/** A type error, located in the markdown: `docs/guides/x.md:42:7 TS2322: ...`. */
function describeDiagnostic(sample, diagnostic) {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (!diagnostic.file || diagnostic.start === undefined) return `TS${diagnostic.code}: ${message}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const file = sample.files.find(({ name }) => join(sample.dir, name) === diagnostic.file.fileName);
  const where = file ? `${sample.file}:${file.firstLine + line}:${character + 1}` : `${diagnostic.file.fileName}:${line + 1}:${character + 1}`;
  return `${where} TS${diagnostic.code}: ${message}`;
}

function normalize(text) {
  return text.split('\n').map((line) => line.trimEnd()).join('\n').trim();
}

function runNode(cwd, entry) {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [entry], { cwd, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      resolvePromise({
        code: error ? (error.code ?? error.signal) : 0,
        timedOut: Boolean(error?.killed),
        stdout,
        stderr,
      });
    });
  });
}
