/** One timed run of the picture. */
export interface RunTiming {
  /** The whole run, ms. */
  readonly ms: number;
  /** From the call to the first row starting on a worker, ms (0 on the main thread). */
  readonly firstRowMs: number;
}

/** What the page measured; written into the DOM as data attributes and left on `window.__weftExample` for tests. */
export interface ExampleResult {
  readonly width: number;
  readonly height: number;
  readonly maxIterations: number;
  readonly workers: number;
  /** From navigation start to the script running, ms. */
  readonly scriptStartedMs: number;
  /** From navigation start to the first (cold) picture being computed, ms. */
  readonly firstResultMs: number;
  readonly cold: RunTiming;
  readonly warm: RunTiming;
  readonly sequential: RunTiming;
  readonly checksums: { readonly cold: string; readonly warm: string; readonly sequential: string };
  /** Whether both parallel pictures equal the sequential one, pixel for pixel. */
  readonly match: boolean;
}

/** "1.9x faster than sequential", or "1.3x slower than sequential": always the honest direction. */
export function describeRatio(sequentialMs: number, ms: number): string {
  const ratio = sequentialMs / ms;
  return ratio >= 1 ? `${ratio.toFixed(2)}x faster than sequential` : `${(1 / ratio).toFixed(2)}x slower than sequential`;
}

const ms = (value: number): string => `${value.toFixed(0)} ms`;

function setRow(name: string, time: string, note: string): void {
  const row = document.querySelector(`[data-run="${name}"]`)!;
  row.querySelector('.time')!.textContent = time;
  row.querySelector('.note')!.textContent = note;
}

/** Fill in the page: the table of timings, the summary line, and the data attributes the test reads. */
export function report(result: ExampleResult): void {
  const { cold, warm, sequential, workers } = result;
  setRow('cold', ms(cold.ms), `${describeRatio(sequential.ms, cold.ms)}; the first row began on a worker after ${ms(cold.firstRowMs)} (worker start-up)`);
  setRow('warm', ms(warm.ms), `${describeRatio(sequential.ms, warm.ms)}; first row after ${ms(warm.firstRowMs)}`);
  setRow('sequential', ms(sequential.ms), 'the same row function, on the main thread');
  const summary = document.getElementById('summary')!;
  summary.textContent =
    `${result.width} x ${result.height} pixels, up to ${result.maxIterations} iterations each: ` +
    `warm ${describeRatio(sequential.ms, warm.ms)} on ${workers} cores. ` +
    `First picture ${ms(result.firstResultMs)} after page load. ` +
    (result.match ? `Parallel pixels equal sequential pixels (checksum ${result.checksums.sequential}).` : 'MISMATCH: the parallel picture differs from the sequential one.');
  const data = summary.dataset;
  data.width = String(result.width);
  data.height = String(result.height);
  data.workers = String(workers);
  data.coldMs = cold.ms.toFixed(1);
  data.coldStartupMs = cold.firstRowMs.toFixed(1);
  data.warmMs = warm.ms.toFixed(1);
  data.sequentialMs = sequential.ms.toFixed(1);
  data.scriptStartedMs = result.scriptStartedMs.toFixed(1);
  data.firstResultMs = result.firstResultMs.toFixed(1);
  data.checksumCold = result.checksums.cold;
  data.checksumWarm = result.checksums.warm;
  data.checksumSequential = result.checksums.sequential;
  data.match = String(result.match);
  document.body.dataset.status = result.match ? 'done' : 'wrong';
}
