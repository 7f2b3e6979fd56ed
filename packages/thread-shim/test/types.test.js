'use strict';
// index.d.ts against the TypeScript compiler, as a user's project sees it
// (skipLibCheck off), with lib.dom and without: lib.dom has a `Lock` of its
// own (the Web Locks API), which a `class Lock` would clash with (TS2300).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const ts = require('typescript');

const fixture = path.join(__dirname, '..', 'test-support', 'types', 'uses-shim.ts');

for (const lib of [['lib.es2024.d.ts'], ['lib.es2024.d.ts', 'lib.dom.d.ts']]) {
  test(`index.d.ts type-checks with ${lib.join(' + ')} and skipLibCheck off`, () => {
    const program = ts.createProgram([fixture], {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib,
      types: ['node'],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${path.relative(process.cwd(), d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    assert.deepEqual(problems, []);
  });
}
