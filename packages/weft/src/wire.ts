/**
 * `weftjs/wire`: how Weft's tasks and values travel, for packages that carry
 * them further than one machine (the cluster package, `weftjs-cluster`).
 * The same checks and the same codec as between threads: a function is
 * refused for the same reasons, a value keeps the same fidelity.
 *
 * @experimental The shapes may change with the cluster package.
 *
 * ```ts
 * import { describeTask, encodeValue, decodeValue } from 'weftjs/wire';
 * const task = describeTask((x: number) => x * 2, 'example'); // { kind: 'source', ... }
 * const copy = decodeValue(encodeValue(new Map([[1, 'a']]), 'example')); // Map { 1 => 'a' }
 * ```
 *
 * @module
 */
import { deserializeThrown, serializeThrown, type SerializedValue } from './codec/error-codec.js';
import { decodePayloadBytes, holdsSharedMemory, payloadBytes } from './codec/payload-codec.js';
import { encodeShareables } from './memory/shareable.js';
import { shippableRef } from './task/function-ref.js';
import { describeValue } from './validate.js';

/** A capture-free function, by its source text. */
export interface SourceTask {
  /** The marker. */
  readonly kind: 'source';
  /** The text `Function.prototype.toString` gives. */
  readonly source: string;
  /** How to compile it: `(${source})` (`expression`) or as the one method of `({${source}})` (`method`). */
  readonly form: 'expression' | 'method';
}

/** A function registered with `defineTask`: the `ordinal`-th `defineTask` call of the module. */
export interface DefinedTask {
  /** The marker. */
  readonly kind: 'task';
  /** The module's URL (`import.meta.url` as passed). */
  readonly url: string;
  /** Its position among the module's `defineTask` calls. */
  readonly ordinal: number;
}

/** An export named by `fromModule`. */
export interface ModuleExportTask {
  /** The marker. */
  readonly kind: 'module';
  /** The module's URL. */
  readonly url: string;
  /** The export's name (`'default'` for a default export). */
  readonly exportName: string;
}

/**
 * A task as it travels: the checked source text of a capture-free function,
 * or where a module task lives.
 *
 * @example
 * ```ts
 * const task: TaskDescription = { kind: 'module', url: 'file:///app/work.js', exportName: 'resize' };
 * ```
 */
export type TaskDescription = SourceTask | DefinedTask | ModuleExportTask;

/**
 * Describe `fn` for sending: a module task by its module, any other function
 * by its source text after the same capture analysis `parallelMap` runs.
 *
 * @param fn - the function.
 * @param where - the caller's name, which starts every error message.
 * @throws TypeError when `fn` is not a function or cannot be sent (it captures outer variables, which are named).
 *
 * @example
 * ```ts
 * describeTask((a: number, b: number) => a + b, 'cluster.run');
 * // { kind: 'source', source: '(a, b) => a + b', form: 'expression' }
 * ```
 */
export function describeTask(fn: unknown, where: string): TaskDescription {
  if (typeof fn !== 'function') throw new TypeError(`${where}: fn must be a function, received ${describeValue(fn)}`);
  // The one FunctionRef maker, so the cluster refuses and accepts exactly what a local pool does.
  return shippableRef(where, fn);
}

/** What tsx/esbuild's `keepNames` inject into function bodies (`__name`), defined as a worker defines it. */
function nameHelper<F>(fn: F, name: string): F {
  try {
    Object.defineProperty(fn, 'name', { value: name, configurable: true });
  } catch {
    // Frozen function: the name is cosmetic.
  }
  return fn;
}

/**
 * Turn the source text of a `source` {@link TaskDescription} back into a
 * function, as a worker does. Only for text that {@link describeTask}
 * accepted (and that the receiver trusts: this evaluates code).
 *
 * @example
 * ```ts
 * const add = compileTask({ kind: 'source', source: '(a, b) => a + b', form: 'expression' }) as (a: number, b: number) => number;
 * add(1, 2); // 3
 * ```
 */
export function compileTask(task: SourceTask): (...args: never[]) => unknown {
  const body = task.form === 'expression' ? `return (${task.source});` : `const o = ({${task.source}}); return o[Reflect.ownKeys(o)[0]];`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- shipping functions as source is the design
  return new Function('__name', body)(nameHelper) as (...args: never[]) => unknown;
}

/**
 * Encode `value` in Weft's codec (msgpack in structured-clone mode: Maps,
 * Sets, Dates, BigInts, typed arrays, cycles), as standalone bytes.
 * Shared memory (a `SharedArrayBuffer`, a view of one, a `Mutex`, a `Channel`,
 * an atomic cell) cannot leave the process and is refused.
 *
 * @param where - the caller's name, which starts every error message.
 * @throws TypeError for shared memory, functions and symbols.
 *
 * @example
 * ```ts
 * const bytes: Uint8Array = encodeValue({ when: new Date(0) }, 'example');
 * ```
 */
export function encodeValue(value: unknown, where: string): Uint8Array {
  if (holdsSharedMemory(value) || encodeShareables(value) !== value) {
    throw new TypeError(
      `${where}: shared memory (a SharedArrayBuffer or a Weft Mutex, Channel or atomic cell) cannot leave this process, received ${describeValue(value)}`,
    );
  }
  try {
    return payloadBytes(value);
  } catch (err) {
    throw new TypeError(`${where}: the value cannot be encoded (${err instanceof Error ? err.message : String(err)}), received ${describeValue(value)}`);
  }
}

/**
 * Decode bytes made by {@link encodeValue}.
 *
 * @example
 * ```ts
 * decodeValue(encodeValue([1n, new Set([2])], 'example')); // [1n, Set { 2 }]
 * ```
 */
export function decodeValue(bytes: Uint8Array): unknown {
  return decodePayloadBytes(bytes);
}

/**
 * Encode a thrown value as a worker sends it: class name, message, stack,
 * `code` and other own properties, `cause` (values that cannot be encoded
 * become descriptions). Never throws.
 *
 * @example
 * ```ts
 * const bytes = encodeError(Object.assign(new RangeError('bad'), { code: 'E_BAD' }));
 * ```
 */
export function encodeError(thrown: unknown): Uint8Array {
  const wire = serializeThrown(thrown);
  try {
    return payloadBytes(wire);
  } catch {
    // A property structured clone accepts but msgpack does not: keep what describes the error.
    if (wire.kind === 'value') return payloadBytes({ kind: 'value', value: String(wire.value) });
    const { name, message, stack } = wire.error;
    return payloadBytes({ kind: 'error', error: { name, message, stack, props: {} } });
  }
}

/**
 * Rebuild a thrown value from {@link encodeError}'s bytes: built-in and
 * registered classes (`registerErrorClass`) come back as instances of them.
 *
 * @example
 * ```ts
 * const err = decodeError(encodeError(new TypeError('no'))) as TypeError; // instanceof TypeError
 * ```
 */
export function decodeError(bytes: Uint8Array): unknown {
  return deserializeThrown(decodePayloadBytes(bytes) as SerializedValue);
}
