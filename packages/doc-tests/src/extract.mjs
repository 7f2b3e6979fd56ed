/**
 * Finds the code samples in a markdown file: every ```ts / ```js fenced block,
 * with the `<!-- doc-test: ... -->` marker written before it (if any) and,
 * for `expect-output`, the fenced block that follows it.
 */

const SAMPLE_LANGS = new Map([
  ['ts', 'ts'],
  ['typescript', 'ts'],
  ['js', 'js'],
  ['javascript', 'js'],
  ['mjs', 'js'],
]);

const MARKER = /^<!--\s*doc-test:\s*([a-z-]+)\s*(.*?)\s*-->$/;
const MODES = new Set(['skip', 'typecheck-only', 'any-output', 'expect-output', 'throws']);

/**
 * @typedef {object} Sample
 * @property {string} file      the markdown file, relative to the repo root
 * @property {number} line      1-based line of the opening fence
 * @property {'ts' | 'js'} lang
 * @property {string} code
 * @property {'run' | 'skip' | 'typecheck-only' | 'any-output' | 'expect-output' | 'throws'} mode
 * @property {string} argument  the marker's text after the mode: a reason, or the error name for `throws`
 * @property {string | undefined} expectedOutput  for `expect-output`: the next fenced block
 */

/**
 * @param {string} file
 * @param {string} text
 * @returns {Sample[]}
 */
export function extractSamples(file, text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[2];
    const body = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].trim().startsWith(fence)) body.push(lines[j++]);
    if (j === lines.length) throw new Error(`${file}:${i + 1}: unclosed code fence`);
    blocks.push({ line: i + 1, end: j + 1, lang: open[3].toLowerCase(), code: body.join('\n') + '\n' });
    i = j;
  }

  const samples = [];
  for (let b = 0; b < blocks.length; b++) {
    const block = blocks[b];
    const marker = markerBefore(file, lines, block.line - 1);
    const lang = SAMPLE_LANGS.get(block.lang);
    if (lang === undefined) {
      if (marker !== undefined && !(b > 0 && markerBefore(file, lines, blocks[b - 1].line - 1)?.mode === 'expect-output')) {
        throw new Error(`${file}:${block.line}: a doc-test marker before a \`\`\`${block.lang} block, which is not a sample`);
      }
      continue;
    }
    const sample = { file, line: block.line, lang, code: block.code, mode: 'run', argument: '', expectedOutput: undefined };
    if (marker !== undefined) {
      sample.mode = marker.mode;
      sample.argument = marker.argument;
    }
    if (sample.mode === 'expect-output') {
      const next = blocks[b + 1];
      if (next === undefined || SAMPLE_LANGS.has(next.lang)) {
        throw new Error(`${file}:${block.line}: expect-output needs the expected output in the next fenced block (\`\`\`text)`);
      }
      sample.expectedOutput = next.code;
    }
    samples.push(sample);
  }
  return samples;
}

/** The marker on the last non-blank line before line index `fenceIndex`, if that line is one. */
function markerBefore(file, lines, fenceIndex) {
  let k = fenceIndex - 1;
  while (k >= 0 && lines[k].trim() === '') k--;
  if (k < 0) return undefined;
  const text = lines[k].trim();
  if (!text.startsWith('<!-- doc-test')) return undefined;
  const match = MARKER.exec(text);
  if (!match || !MODES.has(match[1])) {
    throw new Error(`${file}:${k + 1}: unknown doc-test marker ${JSON.stringify(text)}; expected one of ${[...MODES].join(', ')}`);
  }
  const [, mode, rest] = match;
  let argument = rest;
  if (mode === 'skip' || mode === 'typecheck-only' || mode === 'any-output') {
    const reason = /^\((.+)\)$/.exec(rest);
    if (!reason) throw new Error(`${file}:${k + 1}: \`${mode}\` needs a reason in parentheses: <!-- doc-test: ${mode} (why) -->`);
    argument = reason[1];
  } else if (mode === 'throws') {
    if (!/^[A-Za-z]\w*$/.test(rest)) throw new Error(`${file}:${k + 1}: \`throws\` needs an error name: <!-- doc-test: throws TypeError -->`);
  } else if (rest !== '') {
    throw new Error(`${file}:${k + 1}: \`${mode}\` takes no argument, received ${JSON.stringify(rest)}`);
  }
  return { mode, argument };
}

/**
 * Splits a sample into files. A sample that shows several modules starts each
 * with a comment naming it on its own line (`// digest.ts`, or
 * `// tasks.mjs: what it is`); the others are one file, `main.ts` (or
 * `main.mjs`). Each file knows the markdown line its code starts on.
 *
 * @param {Sample} sample
 * @returns {{ name: string, code: string, firstLine: number }[]}
 */
export function splitFiles(sample) {
  const header = /^\/\/ ([\w.-]+\.(?:ts|mts|js|mjs))(?::.*)?$/;
  const lines = sample.code.split('\n');
  if (!header.test(lines[0] ?? '')) {
    return [{ name: sample.lang === 'ts' ? 'main.ts' : 'main.mjs', code: sample.code, firstLine: sample.line + 1 }];
  }
  const files = [];
  lines.forEach((line, i) => {
    const match = header.exec(line);
    if (match) files.push({ name: match[1], lines: [], firstLine: sample.line + 2 + i });
    else files.at(-1).lines.push(line);
  });
  return files.map(({ name, lines: body, firstLine }) => {
    let skip = 0;
    while (skip < body.length && body[skip].trim() === '') skip++;
    return { name, code: body.slice(skip).join('\n').trimEnd() + '\n', firstLine: firstLine + skip };
  });
}

/**
 * What the sample says it prints: the comment after each `console.log(...)`,
 * as in `console.log(doubled); // [ 2, 4, 6 ]`. Returned only when every
 * `console.log` in the sample has one (otherwise the sample does not claim
 * its whole output, and `undefined` is returned).
 *
 * @param {string} code the sample's code (all its files)
 * @returns {string[] | undefined}
 */
export function expectedFromComments(code) {
  const calls = code.match(/\bconsole\.log\(/g)?.length ?? 0;
  if (calls === 0) return undefined;
  const comments = [];
  for (const line of code.split('\n')) {
    if (!line.includes('console.log(')) continue;
    const match = /\);\s*\/\/ (.*)$/.exec(line);
    if (match) comments.push(match[1].trim());
  }
  return comments.length === calls ? comments : undefined;
}

/**
 * Whether the printed line `actual` is what the comment `claim` says. The
 * comment may go on to explain the value: `// 2: other tasks are not
 * affected`, `// 10 (the first ten)`. A comment that starts with `varies`
 * makes no claim about its line (`// varies: how the jobs split`).
 */
export function matchesClaim(actual, claim) {
  if (actual === claim || /^varies\b/.test(claim)) return true;
  if (!claim.startsWith(actual)) return false;
  return /^(:|;|,| \(| —| -| because| as | since )/.test(claim.slice(actual.length));
}
