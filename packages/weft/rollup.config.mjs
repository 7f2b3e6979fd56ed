// Two builds in one: the worker runtime (src/worker.ts) is bundled first into
// one self-contained script, which the main build embeds as a string through
// the `virtual:weft-worker-source` module. Users never ship a worker file.
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { transform } from 'esbuild';
import { rmSync } from 'node:fs';

// A fresh dist every build: chunk names carry hashes, and stale chunks would ship in the tarball.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

const VIRTUAL_ID = 'virtual:weft-worker-source';

function tsPlugin(declarations) {
  return typescript({
    tsconfig: './tsconfig.json',
    compilerOptions: declarations
      ? { declaration: true, declarationDir: 'dist', outDir: 'dist', sourceMap: true }
      : { declaration: false, declarationMap: false, outDir: undefined, sourceMap: false },
  });
}

/** Give each class declaration of rollup's output its own name back after minifying: a static block that sets it. */
function keepClassNames(code) {
  return code.replace(
    /^(\s*)class (\w+)(\b[^{\n]*)\{/gm,
    (_, indent, name, heritage) => `${indent}class ${name}${heritage}{ static { Object.defineProperty(this, 'name', { value: '${name}' }); }`,
  );
}

/** Bundle and minify the worker runtime into a single script (an IIFE: valid as a classic or module worker, and as Node eval code). */
async function bundleWorker() {
  const bundle = await rollup({
    input: 'src/worker.ts',
    plugins: [nodeResolve(), tsPlugin(false)],
    onwarn(warning, warn) {
      if (warning.code === 'CIRCULAR_DEPENDENCY') return;
      warn(warning);
    },
  });
  const { output } = await bundle.generate({ format: 'iife', name: '__weftWorker', sourcemap: false });
  await bundle.close();
  // Minified — the main bundle carries this text, and browsers download it — with class names kept (a
  // Mutex revived in a task is a `Mutex`, and error classes travel by name). Only classes: esbuild's
  // keepNames would also wrap every function (2.3 kB gzipped more, for names nothing reads).
  const { code } = await transform(keepClassNames(output[0].code), { minify: true, target: 'es2022' });
  return code;
}

function workerSourcePlugin() {
  let code;
  return {
    name: 'weft-worker-source',
    resolveId(id) {
      return id === VIRTUAL_ID ? `\0${VIRTUAL_ID}` : null;
    },
    async load(id) {
      if (id !== `\0${VIRTUAL_ID}`) return null;
      code ??= await bundleWorker();
      return `export default ${JSON.stringify(code)};`;
    },
  };
}

export default {
  input: { index: 'src/index.ts', wire: 'src/wire.ts' },
  output: { dir: 'dist', format: 'es', sourcemap: true, entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
  external: ['acorn', 'msgpackr'],
  plugins: [workerSourcePlugin(), tsPlugin(true)],
};
