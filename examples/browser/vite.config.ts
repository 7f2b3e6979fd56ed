import { defineConfig } from 'vite';

// SharedArrayBuffer needs a cross-origin isolated page: these two headers,
// for the dev server and `vite preview`. Serve the built app with them too.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  // Weft embeds its worker runtime (about 200 kB) in the bundle: no worker file to copy, one bigger chunk.
  build: { target: 'es2022', chunkSizeWarningLimit: 1000 },
});
