// Draws the Mandelbrot set with Weft: the rows are split over every core by
// parallelMap, and each worker writes its pixels straight into one
// SharedArrayBuffer (shared, never copied), which the page then puts on a
// <canvas>. The page times three runs of the same picture and checks that
// they agree pixel for pixel:
//   cold        the first call: includes starting the workers
//   warm        a second call on the same (default) pool
//   sequential  the same row function on the main thread
// The page must be cross-origin isolated (see vite.config.ts) so that
// SharedArrayBuffer exists. There is no worker file: Weft starts its workers
// from the runtime built into the package.
import { parallelMap } from 'weftjs';
import { checksum, createFrame, renderRow, samePixels, type MandelbrotFrame } from './mandelbrot.js';
import { describeRatio, report, type ExampleResult, type RunTiming } from './report.js';

const params = new URLSearchParams(location.search);
const width = Number(params.get('width') ?? 1200);
const height = Number(params.get('height') ?? Math.round((width * 2) / 3));
const maxIterations = Number(params.get('iterations') ?? 1000);
const rows = Array.from({ length: height }, (_, y) => y);
/** Milliseconds from navigation start (the page load) to this script running. */
const scriptStartedMs = performance.now();

/**
 * One parallel picture. The browser's main thread may not block, so every
 * row runs on a worker (there is no calling-thread probe here); rows of
 * uneven cost (the set's interior is the expensive part) balance because
 * workers claim shrinking chunks of rows.
 */
async function renderOnWorkers(frame: MandelbrotFrame): Promise<RunTiming> {
  const startedAt = performance.timeOrigin + performance.now();
  await parallelMap(rows, renderRow, { context: frame });
  const endedAt = performance.timeOrigin + performance.now();
  // The first row any worker began: before it, the call was starting workers and handing them the job.
  const firstRowAt = Math.min(...frame.rowStartedAt);
  return { ms: endedAt - startedAt, firstRowMs: firstRowAt - startedAt };
}

function renderHere(frame: MandelbrotFrame): RunTiming {
  const t0 = performance.now();
  for (const y of rows) renderRow(y, y, frame);
  return { ms: performance.now() - t0, firstRowMs: 0 };
}

function draw(frame: MandelbrotFrame): void {
  const canvas = document.getElementById('picture') as HTMLCanvasElement;
  canvas.width = frame.width;
  canvas.height = frame.height;
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(frame.width, frame.height);
  // ImageData may not live on shared memory: this one copy is the drawing, not the computing.
  image.data.set(new Uint8ClampedArray(frame.pixels.buffer));
  context.putImageData(image, 0, 0);
}

async function main(): Promise<ExampleResult> {
  const coldFrame = createFrame(width, height, maxIterations, true);
  const cold = await renderOnWorkers(coldFrame);
  const firstResultMs = performance.now();
  draw(coldFrame);
  // Let the picture paint before the main thread is busy again.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

  const warmFrame = createFrame(width, height, maxIterations, true);
  const warm = await renderOnWorkers(warmFrame);
  draw(warmFrame);

  const sequentialFrame = createFrame(width, height, maxIterations, false);
  const sequential = renderHere(sequentialFrame);

  return {
    width,
    height,
    maxIterations,
    workers: navigator.hardwareConcurrency,
    scriptStartedMs,
    firstResultMs,
    cold,
    warm,
    sequential,
    checksums: { cold: checksum(coldFrame.pixels), warm: checksum(warmFrame.pixels), sequential: checksum(sequentialFrame.pixels) },
    match: samePixels(coldFrame.pixels, sequentialFrame.pixels) && samePixels(warmFrame.pixels, sequentialFrame.pixels),
  };
}

main().then(
  (result) => {
    report(result);
    (window as unknown as { __weftExample: ExampleResult }).__weftExample = result;
    console.log(`weft example: warm ${describeRatio(result.sequential.ms, result.warm.ms)} on ${result.workers} cores`);
  },
  (err: unknown) => {
    document.getElementById('summary')!.textContent = `Failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    document.body.dataset.status = 'error';
  },
);
