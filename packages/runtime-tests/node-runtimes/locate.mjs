// Where npm's Node `major` (22, 24) is once this package's postinstall has run:
// the one place that knows the layout of node-runtimes/. Used by the runtime
// suite, the bench (--runtime node22|node24) and weft's native run on them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The path of the `node` binary of npm's Node `major` (it may not exist: see {@link installedNpmNode}). */
export function npmNodePath(major) {
  return fileURLToPath(new URL(`./node_modules/node${major}/bin/node`, import.meta.url));
}

/** That path if the binary is installed, else undefined. */
export function installedNpmNode(major) {
  const bin = npmNodePath(major);
  return existsSync(bin) ? bin : undefined;
}
