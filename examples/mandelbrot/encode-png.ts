// A minimal PNG encoder: 8-bit RGB, no interlacing, every scanline stored
// with filter type 0 (None), compressed with zlib's deflate.
// The format: https://www.w3.org/TR/png-3/
import { deflateSync } from 'node:zlib';
import { crc32 } from './crc32.js';

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** One chunk: length, type, data, then the CRC of type and data. */
function chunk(type: string, data: Uint8Array): Buffer {
  const typeBytes = Buffer.from(type, 'latin1');
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  typeBytes.copy(out, 4);
  out.set(data, 8);
  out.writeUInt32BE(crc32(data, crc32(typeBytes)), 8 + data.length);
  return out;
}

/**
 * Encode an RGB image as a PNG file. `rows` holds `height` scanlines of
 * `width * 3` bytes each (red, green, blue per pixel).
 */
export function encodePng(width: number, height: number, rows: readonly Uint8Array[]): Buffer {
  if (rows.length !== height) throw new RangeError(`encodePng: expected ${height} rows, received ${rows.length}`);
  const stride = width * 3;
  // Each scanline is preceded by its filter type byte (0: stored as is).
  const raw = Buffer.alloc(height * (1 + stride));
  rows.forEach((row, y) => {
    if (row.length !== stride) throw new RangeError(`encodePng: row ${y} has ${row.length} bytes, expected ${stride}`);
    raw.set(row, y * (1 + stride) + 1);
  });
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type 2: RGB
  header[10] = 0; // compression method: deflate
  header[11] = 0; // filter method: adaptive (per-scanline filter bytes)
  header[12] = 0; // no interlacing
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)), // deflateSync writes the zlib wrapper PNG expects
    chunk('IEND', new Uint8Array(0)),
  ]);
}
