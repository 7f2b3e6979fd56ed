// The marker and comment conventions themselves (see README.md).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedFromComments, extractSamples, matchesClaim, splitFiles } from '../src/extract.mjs';

const fence = '```';

test('a marker applies to the next block, and expect-output takes the block after it', () => {
  const md = [
    '<!-- doc-test: skip (needs a browser) -->',
    '',
    `${fence}ts`,
    'a();',
    fence,
    `${fence}sh`,
    'npm test',
    fence,
    '<!-- doc-test: expect-output -->',
    `${fence}js`,
    "console.log('hi');",
    fence,
    `${fence}text`,
    'hi',
    fence,
  ].join('\n');
  const samples = extractSamples('x.md', md);
  assert.deepEqual(
    samples.map(({ line, lang, mode, argument, expectedOutput }) => ({ line, lang, mode, argument, expectedOutput })),
    [
      { line: 3, lang: 'ts', mode: 'skip', argument: 'needs a browser', expectedOutput: undefined },
      { line: 10, lang: 'js', mode: 'expect-output', argument: '', expectedOutput: 'hi\n' },
    ],
  );
});

test('a skip without a reason, an unknown marker, or throws without a name is refused', () => {
  assert.throws(() => extractSamples('x.md', `<!-- doc-test: skip -->\n${fence}ts\n${fence}\n`), /x\.md:1: `skip` needs a reason/);
  assert.throws(() => extractSamples('x.md', `<!-- doc-test: ignore (why) -->\n${fence}ts\n${fence}\n`), /unknown doc-test marker/);
  assert.throws(() => extractSamples('x.md', `<!-- doc-test: throws -->\n${fence}ts\n${fence}\n`), /`throws` needs an error name/);
  assert.throws(() => extractSamples('x.md', `<!-- doc-test: expect-output -->\n${fence}ts\n${fence}\n`), /expect-output needs the expected output/);
});

test('a sample with file headers splits into files that know their markdown line', () => {
  const md = `${fence}ts\n// a.ts\nexport const a = 1;\n\n// main.ts: the entry\n\nimport { a } from './a.js';\n${fence}\n`;
  const [sample] = extractSamples('x.md', md);
  assert.deepEqual(splitFiles(sample), [
    { name: 'a.ts', code: 'export const a = 1;\n', firstLine: 3 },
    { name: 'main.ts', code: "import { a } from './a.js';\n", firstLine: 7 },
  ]);
});

test('console.log comments are claims only when every console.log has one', () => {
  assert.deepEqual(expectedFromComments('console.log(a); // 1\nconsole.log(b); // 2: why'), ['1', '2: why']);
  assert.equal(expectedFromComments('console.log(a); // 1\nconsole.log(b);'), undefined);
  assert.ok(matchesClaim('2', '2: other tasks are not affected'));
  assert.ok(matchesClaim('[ 1 ]', 'varies: whatever'));
  assert.ok(!matchesClaim('[ 1, 4, 9 ]', '[1, 4, 9]'));
  assert.ok(!matchesClaim('10', '100'));
});
