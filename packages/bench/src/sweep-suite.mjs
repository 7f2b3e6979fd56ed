// parallelMap against items.map over a grid of item costs x array sizes, in
// alternating rounds: the speedup of every cell, printed as a table, and
// drawn as a heatmap beside the report. Guardrail (issue 15): no cell below
// 0.9x; the speedup should start near 0.1 µs per item for large arrays.
import { parallelMap } from 'weftjs';
import { check, paired } from './harness.mjs';
import { calibrate, kernel } from './workloads.mjs';

/** Item costs (µs) and array sizes of the grid. */
export const SWEEP_COSTS = [0.03, 0.1, 0.3, 1, 3, 10, 50];
export const SWEEP_SIZES = [1_000, 10_000, 100_000, 1_000_000];
/** Cells whose sequential run would take longer than this (ms) are left out, to keep the suite short. */
const CELL_LIMIT_MS = 1_500;
/** The guardrail: no cell below this speedup. */
const FLOOR = 0.9;
/** Each round of a short cell lasts at least about this long (ms): its calls are repeated that many times. */
const ROUND_MS = 20;
/** Rounds of a short cell (its rounds are cheap, and a median of three single calls is mostly noise). */
const SHORT_CELL_ROUNDS = 7;

const sizeLabel = (n) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1_000}k`);

/** The sweep: one row per cell (`record`, as in run.mjs); returns the markdown table and the heatmap. */
export async function sweepSuite({ quick, record }) {
  const rounds = quick ? 1 : 3;
  const grid = new Map();
  for (const micros of SWEEP_COSTS) {
    const ctx = { iterations: calibrate(micros) };
    for (const size of SWEEP_SIZES) {
      if (size * micros > CELL_LIMIT_MS * 1000) continue;
      const items = Array.from({ length: size }, (_, i) => i);
      const t0 = performance.now();
      const expected = items.map((s, i) => kernel(s, i, ctx));
      const sequentialMs = performance.now() - t0;
      // A cell of a few ms is timed as a batch of calls per round, and over more rounds: one call of 3 ms
      // timed three times read anywhere from 0.26x to 1.05x on this VM (a scheduler hiccup is most of it).
      const repeat = Math.max(1, Math.min(1_000, Math.ceil(ROUND_MS / Math.max(sequentialMs, 0.001))));
      const cellRounds = repeat > 1 && !quick ? SHORT_CELL_ROUNDS : rounds;
      let out;
      const r = await paired(
        async () => {
          for (let k = 0; k < repeat; k++) out = await parallelMap(items, kernel, { context: ctx });
        },
        () => {
          for (let k = 0; k < repeat; k++) items.map((s, i) => kernel(s, i, ctx));
        },
        { rounds: cellRounds },
      );
      check('parallelMap', out, expected);
      grid.set(`${micros}:${size}`, r.ratio);
      record(`${micros} µs/item x ${size.toLocaleString('en')}`, 'weft parallelMap vs items.map', r.ratio, 'x', r.ratio < FLOOR ? `BELOW the ${FLOOR}x floor` : '', {
        sweep: { micros, size },
      });
    }
  }
  const header = `| µs per item | ${SWEEP_SIZES.map(sizeLabel).join(' | ')} |`;
  const table = [header, `| ---: | ${SWEEP_SIZES.map(() => '---:').join(' | ')} |`];
  for (const micros of SWEEP_COSTS) {
    const cells = SWEEP_SIZES.map((size) => {
      const ratio = grid.get(`${micros}:${size}`);
      return ratio === undefined ? '—' : `${ratio.toFixed(2)}x`;
    });
    table.push(`| ${micros} | ${cells.join(' | ')} |`);
  }
  const worst = Math.min(...grid.values());
  console.log(`\n${table.join('\n')}\nworst cell: ${worst.toFixed(2)}x (floor ${FLOOR}x)`);
  return {
    markdown: [
      `Speedup of \`parallelMap\` over \`items.map\` (median of alternating rounds) for each item cost and array size; — : left out (over ${CELL_LIMIT_MS / 1000} s sequentially). Worst cell: ${worst.toFixed(2)}x, floor ${FLOOR}x.`,
      '',
      ...table,
    ],
    svg: sweepHeatmap(grid),
  };
}

/** The grid as an SVG heatmap: red below 1x, white at 1x, green above (log scale, 0.25x to 4x). */
export function sweepHeatmap(grid) {
  const cell = 64;
  const left = 92;
  const top = 48;
  const width = left + SWEEP_SIZES.length * cell + 16;
  const height = top + SWEEP_COSTS.length * cell + 40;
  const color = (ratio) => {
    const t = Math.max(-1, Math.min(1, Math.log2(ratio) / 2));
    const mix = (a, b) => Math.round(a + (b - a) * Math.abs(t));
    return t < 0 ? `rgb(255,${mix(255, 110)},${mix(255, 110)})` : `rgb(${mix(255, 90)},${mix(255, 190)},${mix(255, 120)})`;
  };
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="18" font-weight="600">parallelMap vs items.map: speedup by item cost and size</text>`,
  ];
  SWEEP_SIZES.forEach((size, c) => out.push(`<text x="${left + c * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${sizeLabel(size)}</text>`));
  SWEEP_COSTS.forEach((micros, r) => {
    const y = top + r * cell;
    out.push(`<text x="${left - 8}" y="${y + cell / 2 + 4}" text-anchor="end">${micros} µs</text>`);
    SWEEP_SIZES.forEach((size, c) => {
      const x = left + c * cell;
      const ratio = grid.get(`${micros}:${size}`);
      out.push(`<rect x="${x}" y="${y}" width="${cell - 2}" height="${cell - 2}" fill="${ratio === undefined ? '#eee' : color(ratio)}"/>`);
      out.push(`<text x="${x + cell / 2 - 1}" y="${y + cell / 2 + 4}" text-anchor="middle">${ratio === undefined ? '—' : `${ratio.toFixed(2)}x`}</text>`);
    });
  });
  out.push(`<text x="${left}" y="${height - 14}" fill="#555">rows: µs per item · columns: items · red: slower than items.map · green: faster</text>`, '</svg>');
  return out.join('\n');
}
