// A deterministic test picture, so the example needs no image file.
import { seededRandom } from '@weft/example-support';

/**
 * Fill `pixels` (row-major grayscale, `width` × `height`) with a gradient,
 * a few discs and rings, a checkerboard patch and some noise: shapes with
 * edges for the filters to find. The same seed gives the same picture.
 */
export function drawSyntheticImage(pixels: Uint8Array, width: number, height: number, seed: number): void {
  const random = seededRandom(seed);
  const discs = Array.from({ length: 12 }, () => ({
    cx: random() * width,
    cy: random() * height,
    r: (0.03 + random() * 0.12) * Math.min(width, height),
    shade: 40 + Math.floor(random() * 200),
    ring: random() < 0.4,
  }));
  const cell = Math.max(4, Math.floor(Math.min(width, height) / 40));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let value = (96 * x) / width + (64 * y) / height;
      for (const { cx, cy, r, shade, ring } of discs) {
        const d2 = (x - cx) ** 2 + (y - cy) ** 2;
        // A ring is the band r ± 8%; compare squared distances to skip the square root.
        if (ring ? d2 > (0.92 * r) ** 2 && d2 < (1.08 * r) ** 2 : d2 < r * r) value = shade;
      }
      if (x < width / 4 && y > (3 * height) / 4 && (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0) value = 230;
      value += (random() - 0.5) * 24;
      pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(value)));
    }
  }
}
