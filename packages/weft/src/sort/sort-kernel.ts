/**
 * The one function every step of `parallelSort` runs, on a worker or on the
 * calling thread: sort a run, merge a piece of two runs, or find where a
 * piece starts (merge path). It is source text, so that it travels to
 * workers with the comparator's own source inlined and captures nothing.
 *
 * @module
 */

/**
 * How two items are ordered: 0, the user's comparator `cmp(a, b, context)`,
 * its result read as `ToNumber` as Array#sort does; 1, `<` (a typed array of
 * integers or bigints); 2, a float typed array's default order (`-0` before
 * `+0`, `NaN` last); 3, Array#sort's default order (by `ToString`, as UTF-16
 * code units).
 */
export type Order = 0 | 1 | 2 | 3;

/** A sort task: sort `[lo, hi)` (copied from buffer `src` into `dst` first when they differ), or, with `values`, the permutation of that run. */
export interface SortTask {
  readonly kind: 0;
  readonly lo: number;
  readonly hi: number;
  readonly src: 0 | 1;
  readonly dst: 0 | 1;
  /** The run's own values (values path): the task writes `lo + k` of its sorted order into buffer `dst`. */
  readonly values?: readonly unknown[];
}

/** A merge task: `src[x0, x1)` and `src[y0, y1)`, both sorted, merged stably into `dst` from `out`. */
export interface MergeTask {
  readonly kind: 1;
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly out: number;
  readonly src: 0 | 1;
  readonly dst: 0 | 1;
}

/** A split (calling thread only): how many of the first `d` merged items come from `src[x0, x1)`. */
export interface SplitTask {
  readonly kind: 2;
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly d: number;
  readonly src: 0 | 1;
}

export type KernelTask = SortTask | MergeTask | SplitTask;

/** What every task receives beside itself. */
export interface KernelEnv {
  readonly context: unknown;
  /** The two buffers: keys and scratch (typed arrays), or two permutations (Int32Array). */
  readonly bufs: readonly [ArrayLike<unknown> & { [i: number]: unknown }, ArrayLike<unknown> & { [i: number]: unknown }];
  /** Values path, on the calling thread: the buffers hold indices into these values. */
  readonly values?: readonly unknown[];
}

/** A task function as parallelMap calls it: the task, its index in the round (unused), the environment. */
export type Kernel = (task: KernelTask, index: number, env: KernelEnv) => number;

/** `y` sorts strictly before `x`, per order, as an expression over two names: inlined into the merge loop. */
const BEFORE: readonly ((y: string, x: string) => string)[] = [
  (y, x) => `+cmp(${y},${x},c)<0`,
  (y, x) => `${y}<${x}`,
  (y, x) => `(${y}<${x}||(${y}===${x}?${y}===0&&1/${y}<1/${x}:${x}!==${x}&&${y}===${y}))`,
  (y, x) => `\`\${${y}}\`<\`\${${x}}\``,
];

// The body, over `task`, `env` and `cmp`. A merge takes from the right run only when its item sorts strictly
// before the left one, so it is stable. Copies and bounds depend only on counts, never on the comparator: an
// inconsistent one gives some order of the same items, and always ends.
function body(order: Order, keyed: boolean): string {
  const before = BEFORE[order] as (y: string, x: string) => string;
  const at = (p: string): string => (keyed ? p : `V[${p}]`);
  // Kept terse: this text is in every browser bundle. t: the task; s, d: source and destination buffers.
  return `'use strict';const t=task,c=env.context,V=env.values,s=env.bufs[t.src],d=env.bufs[t.dst];
if(t.kind===2){const n=t.d;let l=Math.max(0,n-t.y1+t.y0),h=Math.min(n,t.x1-t.x0);
while(l<h){const m=(l+h)>>1,y=${at('s[t.y0+n-m-1]')},x=${at('s[t.x0+m]')};if(${before('y', 'x')})h=m;else l=m+1}return l}
if(t.kind===1){let i=t.x0,j=t.y0,o=t.out;const x1=t.x1,y1=t.y1;
while(i<x1&&j<y1){const a=s[i],b=s[j];if(${before(at('b'), at('a'))}){d[o++]=b;j++}else{d[o++]=a;i++}}
d.set(s.subarray(i,x1),o);d.set(s.subarray(j,y1),o+x1-i);return 0}
const lo=t.lo,hi=t.hi,own=t.values,by=cmp===undefined||c===undefined?cmp:(a,b)=>cmp(a,b,c);
if(own!==undefined){const m=own.length,k=new Array(m);for(let i=0;i<m;i++)k[i]=i;
if(cmp)k.sort((i,j)=>by(own[i],own[j]));else{const w=own.map((v)=>\`\${v}\`);k.sort((i,j)=>(w[i]<w[j]?-1:w[j]<w[i]?1:0))}
for(let i=0;i<m;i++)d[lo+i]=lo+k[i];return 0}
if(s!==d)d.set(s.subarray(lo,hi),lo);const r=d.subarray(lo,hi);
if(${order === 1 || order === 2})r.sort();else{const q=Array.from(r);q.sort(by);r.set(q)}return 0;`;
}

/**
 * The kernel for an order. `here` runs on the calling thread (and on
 * shared-heap threads), calling `compare` itself; `shipped` is the same
 * text with the comparator's source (`expression`, checked to capture
 * nothing, or `undefined`) inlined, for workers. `keyed`: the buffers hold
 * the items; otherwise indices into `env.values`.
 */
export function compileKernel(order: Order, keyed: boolean, compare: unknown, expression: string): { here: Kernel; shipped: Kernel } {
  const text = body(order, keyed);
  const here = (new Function('cmp', `return (task,index,env)=>{${text}};`) as (cmp: unknown) => Kernel)(compare);
  return { here, shipped: new Function('task', 'index', 'env', `const cmp=${expression};${text}`) as Kernel };
}
