// The chart from fixed rows: no benchmark runs here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchmarkChart } from '../src/benchmark-chart.mjs';

const row = (workload, contender, value, unit, facts = {}) => ({ suite: 'map', workload, contender, value, unit, note: '', ...facts });
const rows = [
  row('20,000 items', 'sequential items.map', 350, 'ms', { baseline: true }),
  row('20,000 items', 'weft parallelMap', 200, 'ms', { paired: [{ speedup: 1.68 }], targets: [{ speedup: 1.8 }, { vs: 'piscina <fast> & "safe"', speedup: 2 }] }),
  row('20,000 items', 'piscina <fast> & "safe"', 1000, 'ms'),
  row('20,000 items', 'workerpool', NaN, 'ms'),
  { ...row('trivial tasks', 'weft Pool.run', 250_000, 'tasks/s', { paired: [{ vs: 'piscina', speedup: 10 }], targets: [{ value: 200_000 }] }), suite: 'pool' },
  { ...row('trivial tasks', 'piscina', 25_000, 'tasks/s', { baseline: true }), suite: 'pool' },
  { ...row('no baseline here', 'weft RSS growth', -20, '%'), suite: 'memory' },
];

/** Well-formed enough for an SVG we write ourselves: balanced tags, quoted attributes, no stray `<` or `&`. */
function assertWellFormed(xml) {
  const open = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|#\d+);)/g;
  let roots = 0;
  for (const [whole, closing, name, , selfClosing] of xml.matchAll(token)) {
    assert.ok(name, `stray ${JSON.stringify(whole)} in the markup`);
    if (!closing && open.length === 0) roots++;
    if (closing) assert.equal(open.pop(), name, `</${name}> closes another element`);
    else if (!selfClosing) open.push(name);
  }
  assert.deepEqual(open, [], 'unclosed elements');
  assert.equal(roots, 1, 'one root element');
}

test('one bar per figure of a workload with a baseline; skipped and unbaselined figures get none', () => {
  const svg = benchmarkChart(rows, { machine: 'a CPU · 2 threads · Node' });
  const bars = [...svg.matchAll(/<rect class="bar" data-contender="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(bars, ['sequential items.map', 'weft parallelMap', 'piscina &lt;fast&gt; &amp; &quot;safe&quot;', 'weft Pool.run', 'piscina']);
  assert.match(svg, />skipped</);
  assert.doesNotMatch(svg, /RSS growth/);
  assert.equal(svg.match(/class="target"/g)?.length, 2);
  assert.match(svg, /<rect width="100%" height="100%" fill="#ffffff"\/>/);
  assert.match(svg, />a CPU · 2 threads · Node</);
});

test('labels are escaped and the markup is well-formed', () => {
  const svg = benchmarkChart(rows, { title: 'Weft <vs> "peers" & co' });
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(!svg.includes('<fast>') && !svg.includes('<vs>'));
  assert.match(svg, />Weft &lt;vs&gt; &quot;peers&quot; &amp; co</);
  assertWellFormed(svg);
});

test('paired speedups win over the ratio of the figures; costs are inverted, rates kept', () => {
  const svg = benchmarkChart(rows);
  assert.match(svg, />1\.68×</); // paired, not 350 / 200 = 1.75
  assert.match(svg, />0\.35×</); // 350 ms / 1000 ms
  assert.match(svg, />10\.0×</); // weft Pool.run over the piscina baseline
});

test('a skipped baseline gives way to the next peer; paired speedups are followed both ways', () => {
  const svg = benchmarkChart([
    row('tasks', 'weft Pool.run', 100, 'tasks/s', { paired: [{ vs: 'tinypool', speedup: 4 }], targets: [{ vs: 'piscina', speedup: 10 }, { vs: 'tinypool', speedup: 3 }] }),
    row('tasks', 'piscina', NaN, 'tasks/s', { baseline: true }),
    row('tasks', 'tinypool', 20, 'tasks/s'),
  ]);
  assert.match(svg, /data-contender="tinypool"[^>]*><title>tinypool: 20\.0 tasks\/s, 1\.00× tinypool</);
  assert.match(svg, />4\.00×</); // paired, not 100 / 20 = 5
  assert.match(svg, /\(target 3\.00×\)/); // the piscina target has nothing to stand on
});

test('a reference to a missing contender, or mixed units, fails loudly', () => {
  assert.throws(() => benchmarkChart([rows[0], row('20,000 items', 'weft', 1, 'ms', { targets: [{ vs: 'nobody', speedup: 2 }] })]), /no contender "nobody"/);
  assert.throws(() => benchmarkChart([rows[0], row('20,000 items', 'weft', 1, 'tasks/s')]), /mixes units/);
});
