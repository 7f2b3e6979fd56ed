#!/usr/bin/env node
// Fails when folders of packages/weft/src import each other in a circle.
//
// Each folder of src/ is one node (a file directly in src/ is a node of its
// own); every relative import between two nodes is an arrow, type-only
// imports and re-exports included. The arrows must form no circle, so that
// the layers can be drawn top to bottom (docs/architecture.md). On success
// it prints the layers, lowest first; on a circle it prints the circle and
// the imports that make each of its arrows, and exits with 1.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The tree to check: packages/weft/src, or the folder given as the first argument.
const src = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../src'));

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return /\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The node a file belongs to: its top folder under src/, or the file's own name when it sits in src/. */
function nodeOf(file) {
  const parts = relative(src, file).split(sep);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.(d\.)?ts$/, '');
}

// import … from '…', export … from '…', import '…', import('…'); comments are skipped first.
const SPECIFIER = /(?:^|[;\s])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith('.')) found.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return found;
}

const edges = new Map(); // node -> Map(node -> [file pairs])
for (const file of filesUnder(src)) {
  const from = nodeOf(file);
  if (!edges.has(from)) edges.set(from, new Map());
  for (const target of importsOf(file)) {
    const to = nodeOf(target);
    if (to === from) continue;
    const out = edges.get(from);
    if (!out.has(to)) out.set(to, []);
    out.get(to).push(`${relative(src, file)} -> ${relative(src, target).replace(/\.ts$/, '.js')}`);
  }
}
for (const out of edges.values()) for (const to of out.keys()) if (!edges.has(to)) edges.set(to, new Map());

// Tarjan's strongly connected components: any component of more than one node is a circle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function visit(node) {
  index.set(node, counter);
  low.set(node, counter++);
  stack.push(node);
  onStack.add(node);
  for (const next of edges.get(node).keys()) {
    if (!index.has(next)) {
      visit(next);
      low.set(node, Math.min(low.get(node), low.get(next)));
    } else if (onStack.has(next)) {
      low.set(node, Math.min(low.get(node), index.get(next)));
    }
  }
  if (low.get(node) === index.get(node)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    components.push(component);
  }
}
for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);

const circles = components.filter((c) => c.length > 1);
if (circles.length > 0) {
  for (const circle of circles) {
    const members = new Set(circle);
    console.error(`circle between folders: ${circle.sort().join(', ')}`);
    for (const from of circle) {
      for (const [to, why] of edges.get(from)) {
        if (members.has(to)) console.error(`  ${from} -> ${to}: ${why.slice(0, 3).join('; ')}${why.length > 3 ? `; and ${why.length - 3} more` : ''}`);
      }
    }
  }
  process.exit(1);
}

// Layers, lowest first: a node's layer is one above the highest it imports.
const layer = new Map();
function layerOf(node) {
  if (!layer.has(node)) layer.set(node, 1 + Math.max(-1, ...[...edges.get(node).keys()].map(layerOf)));
  return layer.get(node);
}
const byLayer = [];
for (const node of edges.keys()) (byLayer[layerOf(node)] ??= []).push(node);
console.log(`no circle between the ${edges.size} folders of src/; layers, lowest first:`);
byLayer.forEach((nodes, i) => console.log(`  ${i}: ${nodes.sort().join(', ')}`));
