// The smoke test (npm test): the CRC and PNG encoder, parallel rows against
// sequential rows, and the program end to end on a small image.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { parallelMap } from 'weftjs';
import { crc32 } from './crc32.js';
import { PNG_SIGNATURE } from './encode-png.js';
import { renderRow, type View } from './render-row.js';

test('crc32 gives the standard check value, also when continued', () => {
  const check = Buffer.from('123456789');
  assert.equal(crc32(check), 0xcbf43926);
  assert.equal(crc32(check.subarray(4), crc32(check.subarray(0, 4))), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('rows rendered by workers equal rows rendered sequentially', async () => {
  const view: View = { width: 160, height: 96, centerX: -0.7, centerY: 0, pixelSize: 3.6 / 160, maxIterations: 300 };
  const rows = Array.from({ length: view.height }, (_, y) => y);
  // inline: 'never' sends every row to a worker; otherwise Weft would run so small a job on this thread.
  const parallel = await parallelMap(rows, renderRow, { context: view, inline: 'never' });
  for (const y of rows) assert.deepEqual(parallel[y], renderRow(y, y, view), `row ${y}`);
});

test('the program writes a valid PNG of the requested size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-mandelbrot-test-'));
  try {
    const out = join(dir, 'small.png');
    const program = fileURLToPath(new URL('./mandelbrot.ts', import.meta.url));
    // process.execArgv carries tsx's loader flags, so the child runs the .ts program too.
    const run = spawnSync(process.execPath, [...process.execArgv, program, '--small', '--size', '200x120', '--out', out], { encoding: 'utf8' });
    assert.equal(run.status, 0, `the program failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /rows identical/);

    const png = readFileSync(out);
    assert.deepEqual(png.subarray(0, 8), Buffer.from(PNG_SIGNATURE));
    // Walk the chunks: each has a length, a type, its data and the CRC of type and data.
    const chunks: { type: string; data: Buffer }[] = [];
    for (let at = 8; at < png.length; ) {
      const length = png.readUInt32BE(at);
      const type = png.toString('latin1', at + 4, at + 8);
      const data = png.subarray(at + 8, at + 8 + length);
      assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `CRC of ${type}`);
      chunks.push({ type, data });
      at += 12 + length;
    }
    assert.deepEqual(chunks.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
    const header = chunks[0]!.data;
    assert.equal(header.length, 13);
    assert.equal(header.readUInt32BE(0), 200, 'width');
    assert.equal(header.readUInt32BE(4), 120, 'height');
    assert.deepEqual([...header.subarray(8)], [8, 2, 0, 0, 0], 'bit depth 8, RGB, deflate, filter method 0, not interlaced');
    // The image data inflates to 120 scanlines of a filter byte and 200 RGB pixels.
    const raw = inflateSync(chunks[1]!.data);
    assert.equal(raw.length, 120 * (1 + 200 * 3));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
