// The two row filters. Each one is shipped to the workers as source text,
// so it captures nothing: the image size and the buffers arrive through
// `context`, and every helper it needs is written inside it.

/** What a row filter reads and writes: one grayscale image in, one out, both on shared memory. */
export interface FilterContext {
  readonly width: number;
  readonly height: number;
  /** Input pixels, row-major, one byte each. */
  readonly src: Uint8Array;
  /** Output pixels; the task for row `y` writes row `y` only. */
  readonly dst: Uint8Array;
}

/**
 * A 5×5 Gaussian blur (binomial weights 1 4 6 4 1 in each direction, so
 * integer arithmetic and exact, repeatable results) of row `y`. Pixels past
 * the border repeat the edge pixel.
 */
export const blurRow = (y: number, _index: number, ctx: FilterContext): void => {
  const { width, height, src, dst } = ctx;
  const weights = [1, 4, 6, 4, 1];
  const out = y * width;
  for (let x = 0; x < width; x++) {
    let sum = 0;
    for (let dy = -2; dy <= 2; dy++) {
      const row = Math.min(height - 1, Math.max(0, y + dy)) * width;
      const wy = weights[dy + 2]!;
      for (let dx = -2; dx <= 2; dx++) {
        const col = Math.min(width - 1, Math.max(0, x + dx));
        sum += wy * weights[dx + 2]! * src[row + col]!;
      }
    }
    dst[out + x] = (sum + 128) >> 8; // the weights add up to 256; round to nearest
  }
};

/** The Sobel gradient magnitude of row `y`, clamped to 0..255: bright where the image has edges. */
export const sobelRow = (y: number, _index: number, ctx: FilterContext): void => {
  const { width, height, src, dst } = ctx;
  const above = Math.max(0, y - 1) * width;
  const here = y * width;
  const below = Math.min(height - 1, y + 1) * width;
  for (let x = 0; x < width; x++) {
    const left = Math.max(0, x - 1);
    const right = Math.min(width - 1, x + 1);
    const gx =
      src[above + right]! + 2 * src[here + right]! + src[below + right]! -
      (src[above + left]! + 2 * src[here + left]! + src[below + left]!);
    const gy =
      src[below + left]! + 2 * src[below + x]! + src[below + right]! -
      (src[above + left]! + 2 * src[above + x]! + src[above + right]!);
    dst[here + x] = Math.min(255, Math.sqrt(gx * gx + gy * gy) | 0);
  }
};
