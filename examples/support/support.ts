// What the examples share that is not about Weft: progress lines for
// multi-second runs, and a seeded random generator so every run uses the same
// data. Examples run under tsx, which loads this TypeScript directly.

/**
 * A progress callback (`onProgress` of `parallelMap`) that keeps one terminal
 * line up to date; in a log (not a terminal), one line per quarter.
 */
export function progress(label: string, unit: string): (done: number, total: number) => void {
  let quarter = 0;
  return (done, total) => {
    if (process.stdout.isTTY) {
      process.stdout.write(`\r\x1b[K  ${label}: ${done}/${total} ${unit}`);
    } else if (Math.floor((4 * done) / total) > quarter) {
      quarter = Math.floor((4 * done) / total);
      console.log(`  ${label}: ${done}/${total} ${unit}`);
    }
  };
}

/** Replace the progress line with `text`. */
export function finish(text: string): void {
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
  console.log(text);
}

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
