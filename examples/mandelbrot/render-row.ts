// One row of the Mandelbrot set, as RGB bytes. The function is shipped to
// the workers as source text, so it captures nothing: the view arrives
// through `context`, and the colour palette is computed inside.

/** Which part of the complex plane to draw, and how finely. */
export interface View {
  /** Image size in pixels. */
  readonly width: number;
  readonly height: number;
  /** The complex number at the centre of the image. */
  readonly centerX: number;
  readonly centerY: number;
  /** The width of one pixel in the complex plane. */
  readonly pixelSize: number;
  /** Points still bounded after this many iterations count as inside the set (black). */
  readonly maxIterations: number;
}

/**
 * Render row `y`: escape-time iteration with smooth (fractional) colouring.
 * Rows through the set's body cost up to `maxIterations` per pixel, rows
 * near the top and bottom almost nothing: uneven work that parallelMap's
 * shrinking chunks spread over the workers.
 */
export const renderRow = (y: number, _index: number, view: View): Uint8Array => {
  const { width, height, centerX, centerY, pixelSize, maxIterations } = view;
  const row = new Uint8Array(width * 3);
  const ci = centerY + (height / 2 - y - 0.5) * pixelSize;
  for (let x = 0; x < width; x++) {
    const cr = centerX + (x + 0.5 - width / 2) * pixelSize;
    let zr = 0;
    let zi = 0;
    let n = 0;
    // Escape radius 16 (not 2) makes the fractional count below smooth.
    while (n < maxIterations && zr * zr + zi * zi <= 256) {
      const next = zr * zr - zi * zi + cr;
      zi = 2 * zr * zi + ci;
      zr = next;
      n++;
    }
    if (n === maxIterations) continue; // inside: stays black
    // Continuous iteration count, then a cosine palette over it, dimmed far
    // from the set so the detail near its edge stands out.
    const smooth = n + 1 - Math.log2(Math.log2(zr * zr + zi * zi) / 2);
    const t = Math.sqrt(smooth) * 0.15 + 0.5;
    const light = 255 * Math.min(1, smooth / 16);
    row[3 * x] = light * (0.5 + 0.5 * Math.cos(2 * Math.PI * (t + 0.0)));
    row[3 * x + 1] = light * (0.5 + 0.5 * Math.cos(2 * Math.PI * (t + 0.1)));
    row[3 * x + 2] = light * (0.5 + 0.5 * Math.cos(2 * Math.PI * (t + 0.2)));
  }
  return row;
};
