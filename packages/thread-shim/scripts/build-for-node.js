'use strict';
// Build the addon for another Node binary (say npm's Node 22 or 24), against
// the headers that binary's package ships, into prebuilds/abi-<modules>/.
// index.js loads that build first when the running Node's ABI matches, so
// one checkout can run the shim on several Node versions. The default build
// (build/Release, for the Node that ran npm install) is left alone.
//   node scripts/build-for-node.js /path/to/bin/node
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');

/** npm's own node-gyp: the one lifecycle scripts get, or the copy inside the npm that runs this. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const npm = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout.trim();
  const candidate = path.join(npm, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(candidate)) return candidate;
  throw new Error('thread-shim: no node-gyp found (npm bundles one; run this from an npm script or with npm installed)');
}

/** A digest of what the addon is built from (binding.gyp and src/), so that a changed source rebuilds. */
function sourceDigest() {
  const hash = createHash('sha256').update(readFileSync(path.join(root, 'binding.gyp')));
  for (const name of readdirSync(path.join(root, 'src')).sort()) {
    hash.update(name).update(readFileSync(path.join(root, 'src', name)));
  }
  return hash.digest('hex');
}

/** The path of the addon built for `nodeBin`, building it first when it is missing or older than src/. */
function buildForNode(nodeBin) {
  const modules = spawnSync(nodeBin, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
  if (!/^\d+$/.test(modules)) throw new Error(`thread-shim: ${nodeBin} did not report its ABI (process.versions.modules)`);
  const target = path.join(root, 'prebuilds', `abi-${modules}`, 'thread_shim.node');
  // A build is kept only if it was built from this source and that Node loads it (a stale or foreign file is rebuilt).
  const stamp = path.join(path.dirname(target), 'source.sha256');
  const digest = sourceDigest();
  const loads = () => spawnSync(nodeBin, ['-e', `require(${JSON.stringify(target)})`], { stdio: 'ignore' }).status === 0;
  if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest && loads()) return target;
  const nodedir = path.resolve(path.dirname(nodeBin), '..');
  if (!existsSync(path.join(nodedir, 'include', 'node', 'node.h'))) throw new Error(`thread-shim: no headers at ${nodedir}/include/node`);
  // A scratch copy, so that this build's build/ does not replace the default one.
  const work = mkdtempSync(path.join(tmpdir(), 'thread-shim-'));
  try {
    cpSync(path.join(root, 'binding.gyp'), path.join(work, 'binding.gyp'));
    cpSync(path.join(root, 'src'), path.join(work, 'src'), { recursive: true });
    // Without npm's config in the environment: its nodedir (npmrc: /usr, Node 20's headers) would win over --nodedir.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
    const result = spawnSync(process.execPath, [nodeGyp(), 'rebuild', `--nodedir=${nodedir}`], { cwd: work, env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`thread-shim: node-gyp failed for ${nodeBin} (status ${result.status}):\n${result.stderr}`);
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(path.join(work, 'build', 'Release', 'thread_shim.node'), target);
    writeFileSync(stamp, digest);
    if (!loads()) throw new Error(`thread-shim: ${nodeBin} cannot load the addon just built for it (${target})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return target;
}

module.exports = { buildForNode };

if (require.main === module) {
  const bin = process.argv[2];
  if (!bin) {
    console.error('usage: node scripts/build-for-node.js /path/to/bin/node');
    process.exit(2);
  }
  console.log(buildForNode(bin));
}
