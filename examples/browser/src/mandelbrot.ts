/** The view and size of one Mandelbrot picture: what every row needs, sent once per worker as `context`. */
export interface MandelbrotFrame {
  /** RGBA pixels, one `Uint32` each (little-endian: `0xAABBGGRR`), `width * height` of them. */
  readonly pixels: Uint32Array;
  /** When each row started (`performance.timeOrigin + performance.now()`, ms): shows when the first worker began. */
  readonly rowStartedAt: Float64Array;
  readonly width: number;
  readonly height: number;
  /** Escape-time limit: the cost of a pixel inside the set. */
  readonly maxIterations: number;
  /** The complex plane: the top-left corner and the size of one pixel. */
  readonly left: number;
  readonly top: number;
  readonly step: number;
}

/**
 * Render row `y` of the frame into `frame.pixels`. It captures nothing, so
 * Weft can send it to workers as source text; the same function draws the
 * sequential picture on the main thread.
 */
export function renderRow(y: number, _index: number, frame: MandelbrotFrame): void {
  frame.rowStartedAt[y] = performance.timeOrigin + performance.now();
  const { pixels, width, maxIterations, left, step } = frame;
  const ci = frame.top + y * step;
  const rowStart = y * width;
  for (let x = 0; x < width; x++) {
    const cr = left + x * step;
    let zr = 0;
    let zi = 0;
    let n = 0;
    while (n < maxIterations && zr * zr + zi * zi <= 4) {
      const nextZr = zr * zr - zi * zi + cr;
      zi = 2 * zr * zi + ci;
      zr = nextZr;
      n++;
    }
    if (n === maxIterations) {
      pixels[rowStart + x] = 0xff000000; // inside the set: black
    } else {
      // Outside: a cosine palette over sqrt(n), so that the many low counts spread over a few cycles of colour.
      const t = 0.09 * Math.sqrt(n);
      const r = Math.round(127.5 + 127.5 * Math.cos(6.283185307179586 * (t + 0.0)));
      const g = Math.round(127.5 + 127.5 * Math.cos(6.283185307179586 * (t + 0.1)));
      const b = Math.round(127.5 + 127.5 * Math.cos(6.283185307179586 * (t + 0.2)));
      pixels[rowStart + x] = (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
    }
  }
}

/** A frame of the whole set, `width` pixels wide, with its pixels on a `SharedArrayBuffer` (or plain memory, for the sequential run). */
export function createFrame(width: number, height: number, maxIterations: number, shared: boolean): MandelbrotFrame {
  const Buffer = shared ? SharedArrayBuffer : ArrayBuffer;
  // The plane from -2.2 to 0.8 across, centred vertically on the real axis.
  const step = 3 / width;
  return {
    pixels: new Uint32Array(new Buffer(width * height * 4)),
    rowStartedAt: new Float64Array(new Buffer(height * 8)),
    width,
    height,
    maxIterations,
    left: -2.2,
    top: -(height / 2) * step,
    step,
  };
}

/** FNV-1a over the pixels: a short fingerprint of the picture, for the page and the test. */
export function checksum(pixels: Uint32Array): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < pixels.length; i++) {
    hash = Math.imul(hash ^ pixels[i]!, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Whether two pictures are the same, pixel for pixel. */
export function samePixels(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
