// A small static server for the browser runs: serves the repository on
// 127.0.0.1 (a free port), with or without the COOP/COEP headers that make a
// page cross-origin isolated. The suite's modules import 'weftjs', 'acorn' and
// 'msgpackr' by bare name; this server rewrites those specifiers to paths, for
// the page and for module workers alike (import maps do not reach workers).
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: everything served lives under it. */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Bare specifiers the suite (and the built weft) import, and their browser entry points. */
const BARE = {
  weftjs: '/packages/weft/dist/index.js',
  acorn: '/node_modules/acorn/dist/acorn.mjs',
  msgpackr: '/node_modules/msgpackr/index.js',
};

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function rewriteBareImports(source) {
  return source.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"./][^'"]*)\2/g, (whole, head, quote, spec) =>
    spec in BARE ? `${head}${quote}${BARE[spec]}${quote}` : whole,
  );
}

/**
 * Start a server. `isolated` adds COOP/COEP. Resolves to `{ url, close }`;
 * `close()` ends open connections too, so nothing outlives the run.
 */
export async function serve({ isolated }) {
  const server = createServer(async (req, res) => {
    const headers = { 'Cache-Control': 'no-store', ...(isolated ? ISOLATION_HEADERS : {}) };
    try {
      const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      let file = normalize(join(repoRoot, pathname));
      if (!file.startsWith(repoRoot) || file.split(sep).includes('..')) throw Object.assign(new Error('outside the repository'), { status: 403 });
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      let body = await readFile(file);
      // The built Vite app is served as it was built; everything else gets its bare imports mapped.
      if (type.startsWith('text/javascript') && !pathname.includes('/dist/assets/')) body = rewriteBareImports(body.toString('utf8'));
      res.writeHead(200, { ...headers, 'Content-Type': type });
      res.end(body);
    } catch (err) {
      const status = err.status ?? (err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 404 : 500);
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain' });
      res.end(`${status} ${err.message}`);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
