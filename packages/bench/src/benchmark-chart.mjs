// The benchmark chart: every workload that has a baseline, each contender as a
// multiple of the baseline's speed (log scale, right of 1× is faster), drawn as
// one self-contained SVG. Pure: rows in, markup out; no DOM, no dependency.

/**
 * One figure as a suite records it (run.mjs adds `suite`).
 * @typedef {object} BenchRow
 * @property {string} suite
 * @property {string} workload
 * @property {string} contender
 * @property {number} value NaN when the contender was skipped
 * @property {string} unit a rate ending in '/s' (higher is better) or a cost: 'ms', 'ns/op', '%' (lower is better)
 * @property {string} note
 * @property {boolean} [baseline] the workload's reference; a workload without one is left out of the chart
 * @property {Speedup[]} [paired] speedups measured in alternating rounds, preferred to the ratio of the values
 * @property {Target[]} [targets] what this contender should reach; the chart marks the highest
 */
/** @typedef {{ speedup: number, vs?: string }} Speedup this contender is `speedup` times as fast as `vs` (default: the baseline) */
/** @typedef {Speedup | { value: number }} Target a speedup over `vs`, or a figure in the row's own unit */

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif";
const INK = '#1f2328';
const MUTED = '#59636e';
const GRID = '#e4e7eb';
const WEFT = '#0969da';
const BASELINE = '#a4acb4';
const PEERS = { piscina: '#e69f00', tinypool: '#cc79a7', workerpool: '#009e73' };
const OTHER_PEER = '#56b4e9';

const WIDTH = 960;
const PAD = 24;
const ROW = 20;
const BAR = 12;
const GROUP_TITLE = 24;
const GROUP_GAP = 10;
const SECTION_TITLE = 28;
const VALUE_ROOM = 52; // beside the plot, for a value label at either end of the axis

/**
 * The SVG chart of `rows`: one group per workload that has a baseline, one bar
 * per contender, the target as a marker. `machine` is printed under the title.
 * @param {BenchRow[]} rows
 * @param {{ title?: string, machine?: string }} [options]
 * @returns {string}
 */
export function benchmarkChart(rows, { title = 'Weft against sequential code and the peer pools', machine = '' } = {}) {
  const groups = compare(rows);
  const ratios = groups.flatMap((g) => g.bars.flatMap((b) => [b.ratio, b.target])).filter((v) => v !== undefined);
  const axis = logAxis([1, ...ratios]);

  const labelWidth = Math.min(360, Math.max(120, ...groups.flatMap((g) => g.bars.map((b) => textWidth(b.contender, 12)))));
  const plotLeft = PAD + labelWidth + 10 + VALUE_ROOM;
  const plotRight = WIDTH - PAD - VALUE_ROOM;
  const x = (v) => plotLeft + ((Math.log(v) - Math.log(axis.lo)) / (Math.log(axis.hi) - Math.log(axis.lo))) * (plotRight - plotLeft);

  const body = [];
  let y = PAD;
  body.push(text(PAD, (y += 18), title, { size: 18, weight: 600 }));
  if (machine) body.push(text(PAD, (y += 20), machine, { size: 12, fill: MUTED }));
  y += 10;
  y = legend(body, groups, y + 14) + 8;

  const plotTop = y + 18;
  body.push(...axis.ticks.map((t) => text(x(t), y + 12, tickLabel(t), { size: 11, fill: MUTED, anchor: 'middle' })));
  y = plotTop;
  const bars = [];
  let suite;
  for (const group of groups) {
    if (group.suite !== suite) {
      suite = group.suite;
      bars.push(text(PAD, y + 18, suite.toUpperCase(), { size: 11, weight: 600, fill: MUTED, spacing: 0.8 }));
      bars.push(`<line x1="${PAD}" y1="${y + 23.5}" x2="${WIDTH - PAD}" y2="${y + 23.5}" stroke="${GRID}"/>`);
      y += SECTION_TITLE;
    }
    bars.push(text(PAD, y + 16, group.workload, { size: 13, weight: 600 }));
    y += GROUP_TITLE;
    for (const bar of group.bars) {
      bars.push(...barRow(bar, group, x, y, plotLeft - VALUE_ROOM - 10));
      y += ROW;
    }
    y += GROUP_GAP;
  }
  const plotBottom = y - GROUP_GAP + 4;

  // Grid first (under the bars): a line per tick, the 1× line darker.
  const grid = axis.ticks.map((t) => {
    const stroke = t === 1 ? '#8c959f' : GRID;
    return `<line class="grid" x1="${num(x(t))}" y1="${plotTop}" x2="${num(x(t))}" y2="${plotBottom}" stroke="${stroke}"${t === 1 ? ' stroke-width="1.5"' : ''}/>`;
  });
  body.push(...grid, ...bars);
  y = plotBottom;
  body.push(...axis.ticks.map((t) => text(x(t), y + 14, tickLabel(t), { size: 11, fill: MUTED, anchor: 'middle' })));
  y += 34;
  body.push(
    text(
      (plotLeft + plotRight) / 2,
      y,
      "speed as a multiple of the workload's baseline (log scale): right of 1× is faster",
      { size: 11, fill: MUTED, anchor: 'middle' },
    ),
  );
  const height = Math.ceil(y + PAD - 6);

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${escape(FONT)}" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${escape(title)}${machine ? ` (${escape(machine)})` : ''}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Group rows by workload and express each usable figure as a multiple of the baseline's speed. */
function compare(rows) {
  const byWorkload = new Map();
  for (const row of rows) {
    const key = `${row.suite}\u0000${row.workload}`;
    if (!byWorkload.has(key)) byWorkload.set(key, []);
    byWorkload.get(key).push(row);
  }
  const groups = [];
  for (const group of byWorkload.values()) {
    const reference = group.find((r) => r.baseline);
    if (reference === undefined) continue;
    const baseline = usable(reference) ? reference : group.find((r) => usable(r) && !isWeft(r));
    if (baseline === undefined) continue;
    const named = new Map(group.map((r) => [r.contender, r]));
    const lookup = (vs) => {
      if (vs === undefined) return reference;
      const row = named.get(vs);
      if (row === undefined) throw new Error(`benchmarkChart: ${JSON.stringify(group[0].workload)} has no contender ${JSON.stringify(vs)}`);
      return row;
    };
    for (const r of group) {
      if (usable(r) && r.unit !== baseline.unit) {
        throw new Error(`benchmarkChart: ${JSON.stringify(r.workload)} mixes units: ${JSON.stringify(r.unit)} and ${JSON.stringify(baseline.unit)}`);
      }
    }

    // Speeds relative to the baseline: follow the paired speedups from it first
    // (they saw the same machine state), then fall back to the ratio of the figures.
    const edges = group.flatMap((r) => (r.paired ?? []).map((p) => ({ from: r, to: lookup(p.vs), speedup: p.speedup })));
    const speed = new Map([[baseline, 1]]);
    const queue = [baseline];
    while (queue.length > 0) {
      const at = queue.shift();
      for (const { from, to, speedup } of edges) {
        if (!(speedup > 0) || !usable(from) || !usable(to)) continue;
        const [next, factor] = to === at ? [from, speedup] : from === at ? [to, 1 / speedup] : [];
        if (next === undefined || speed.has(next)) continue;
        speed.set(next, speed.get(at) * factor);
        queue.push(next);
      }
    }
    for (const r of group) if (usable(r) && !speed.has(r)) speed.set(r, speedOf(r) / speedOf(baseline));

    const goal = (r) => {
      const levels = (r.targets ?? []).map((t) => ('value' in t ? speedOf({ value: t.value, unit: r.unit }) / speedOf(baseline) : (speed.get(lookup(t.vs)) ?? NaN) * t.speedup));
      const finite = levels.filter((v) => Number.isFinite(v) && v > 0);
      return finite.length > 0 ? Math.max(...finite) : undefined;
    };
    groups.push({
      suite: group[0].suite,
      workload: group[0].workload,
      baseline: baseline.contender,
      bars: group.map((r) => ({
        contender: r.contender,
        role: r === baseline ? 'baseline' : isWeft(r) ? 'weft' : 'peer',
        ratio: speed.get(r),
        target: usable(r) ? goal(r) : undefined,
        value: r.value,
        unit: r.unit,
      })),
    });
  }
  return groups;
}

const isWeft = (row) => /^weft\b/i.test(row.contender);
const usable = (row) => Number.isFinite(row.value) && row.value > 0;
/** Higher is faster: a rate as it is, a time (or any cost) inverted. */
const speedOf = ({ value, unit }) => (unit.endsWith('/s') ? value : 1 / value);

function barRow(bar, group, x, y, labelRight) {
  const out = [text(labelRight, y + 14, bar.contender, { size: 12, fill: bar.role === 'baseline' ? MUTED : INK, anchor: 'end' })];
  const mid = y + ROW / 2;
  if (bar.ratio === undefined) {
    out.push(text(x(1) + 6, y + 14, 'skipped', { size: 11, fill: MUTED, italic: true }));
    return out;
  }
  const one = x(1);
  const end = x(bar.ratio);
  const color = bar.role === 'weft' ? WEFT : bar.role === 'baseline' ? BASELINE : (PEERS[family(bar.contender)] ?? OTHER_PEER);
  // The baseline is 1× by definition: a short stub on the 1× line stands for its bar.
  const [left, right] = bar.role === 'baseline' ? [one - 2, one + 2] : [Math.min(one, end), Math.max(one, end)];
  const figure = Number.isFinite(bar.value) ? `${formatValue(bar.value)} ${bar.unit}` : 'skipped';
  const hover = `${bar.contender}: ${figure}, ${ratioLabel(bar.ratio)} ${group.baseline}${bar.target ? ` (target ${ratioLabel(bar.target)})` : ''}`;
  out.push(
    `<rect class="bar" data-contender="${escape(bar.contender)}" x="${num(left)}" y="${num(mid - BAR / 2)}" width="${num(Math.max(right - left, 1))}" height="${BAR}" rx="2" fill="${color}"><title>${escape(hover)}</title></rect>`,
  );
  const label = bar.role === 'baseline' ? `${ratioLabel(1)} baseline` : ratioLabel(bar.ratio);
  const toRight = bar.ratio >= 1;
  // The value label sits past the bar's end, or past the target marker where the marker would cross it.
  let labelAt = toRight ? Math.max(end, left + 4) : end;
  if (bar.target !== undefined) {
    const mark = x(bar.target);
    out.push(`<line class="target" x1="${num(mark)}" y1="${num(mid - BAR / 2 - 3)}" x2="${num(mark)}" y2="${num(mid + BAR / 2 + 3)}" stroke="${INK}" stroke-width="2"/>`);
    const reach = textWidth(label, 11) + 8;
    const beyond = toRight ? mark - labelAt : labelAt - mark;
    if (beyond > -3 && beyond < reach) labelAt = toRight ? Math.max(labelAt, mark) : Math.min(labelAt, mark);
  }
  out.push(text(labelAt + (toRight ? 5 : -5), y + 14, label, { size: 11, weight: bar.role === 'weft' ? 600 : 400, fill: bar.role === 'baseline' ? MUTED : INK, anchor: toRight ? 'start' : 'end' }));
  return out;
}

/** The legend, its text on baseline `y`: a swatch per kind of contender present, then the target marker. Returns `y`. */
function legend(out, groups, y) {
  const present = new Set(groups.flatMap((g) => g.bars.filter((b) => b.ratio !== undefined).map((b) => (b.role === 'peer' ? family(b.contender) : b.role))));
  const entries = [];
  if (present.has('weft')) entries.push(['Weft', WEFT]);
  if (present.has('baseline')) entries.push(['baseline: sequential code, a bare primitive or a peer', BASELINE]);
  for (const [name, color] of Object.entries(PEERS)) if (present.has(name)) entries.push([name, color]);
  if ([...present].some((p) => p !== 'weft' && p !== 'baseline' && !(p in PEERS))) entries.push(['other', OTHER_PEER]);
  let at = PAD;
  for (const [name, color] of entries) {
    out.push(`<rect x="${num(at)}" y="${y - 9}" width="10" height="10" rx="2" fill="${color}"/>`);
    out.push(text(at + 15, y, name, { size: 12 }));
    at += 15 + textWidth(name, 12) + 18;
  }
  if (groups.some((g) => g.bars.some((b) => b.target !== undefined))) {
    out.push(`<line x1="${num(at + 4)}" y1="${y - 11}" x2="${num(at + 4)}" y2="${y + 3}" stroke="${INK}" stroke-width="2"/>`);
    out.push(text(at + 12, y, 'target', { size: 12 }));
  }
  return y;
}

/** A log axis over `values`, its ends and ticks on the 1-2-5 sequence (only powers of ten when that is too many). */
function logAxis(values) {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const steps = (mantissas) => {
    const out = [];
    for (let e = Math.floor(Math.log10(min)) - 1; e <= Math.ceil(Math.log10(max)) + 1; e++) {
      for (const m of mantissas) out.push(Number((m * 10 ** e).toPrecision(3)));
    }
    const lo = Math.max(...out.filter((v) => v < min * (1 + 1e-9)));
    const hi = Math.min(...out.filter((v) => v > max * (1 - 1e-9) && v > lo));
    return { lo, hi, ticks: out.filter((v) => v >= lo && v <= hi) };
  };
  const fine = steps([1, 2, 5]);
  return fine.ticks.length <= 11 ? fine : steps([1]);
}

function text(x, y, content, { size, weight = 400, fill = INK, anchor = 'start', italic = false, spacing = 0 }) {
  const attrs = [`x="${num(x)}"`, `y="${num(y)}"`, `font-size="${size}"`, `fill="${fill}"`];
  if (weight !== 400) attrs.push(`font-weight="${weight}"`);
  if (anchor !== 'start') attrs.push(`text-anchor="${anchor}"`);
  if (italic) attrs.push('font-style="italic"');
  if (spacing) attrs.push(`letter-spacing="${spacing}"`);
  return `<text ${attrs.join(' ')}>${escape(content)}</text>`;
}

/** Roughly how wide `content` sets in a sans-serif at `size` px (there is no DOM to measure). */
function textWidth(content, size) {
  let ems = 0;
  for (const ch of content) {
    if (/[ijl.,:;'|!()[\]{} ]/.test(ch)) ems += 0.3;
    else if (/[mwMW@%]/.test(ch)) ems += 0.85;
    else if (/[A-Z0-9#&µ×~]/.test(ch)) ems += 0.66;
    else ems += 0.52;
  }
  return ems * size;
}

const family = (contender) => contender.split(/[\s,]/, 1)[0].toLowerCase();
const num = (v) => String(Math.round(v * 10) / 10);
const ratioLabel = (v) => `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toPrecision(2)}×`;
const tickLabel = (v) => `${v}×`;
const formatValue = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(Math.abs(v) >= 10 ? 1 : 2));
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
