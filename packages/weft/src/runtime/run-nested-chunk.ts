/**
 * Worker side of a nested `parallelMap` (one called inside a pool task): run
 * one chunk that the caller forked onto this pool's deques. A failing item
 * throws an error whose `code` is `WEFT_NESTED_ITEM_FAILED` and whose
 * `itemIndex` and `cause` say which item failed and why, so the caller can
 * reject with the same `TaskError` an un-nested call gives.
 *
 * @module
 */
import type { FunctionRef } from '../protocol.js';
import { nestedItemFailure } from '../task/current-scheduler.js';
import { resolveFunction, resolveFunctionSync } from './resolve-function.js';
import { isThenable } from './is-thenable.js';

type AnyFunction = (...args: unknown[]) => unknown;

function runWith(fn: AnyFunction, items: ArrayLike<unknown>, start: number, context: unknown): unknown[] | Promise<unknown[]> {
  const out = new Array<unknown>(items.length);
  let pending = false;
  for (let i = 0; i < items.length; i++) {
    let value: unknown;
    try {
      value = fn(items[i], start + i, context);
    } catch (err) {
      throw nestedItemFailure(start + i, err);
    }
    if (isThenable(value)) {
      pending = true;
      out[i] = Promise.resolve(value).catch((err: unknown) => {
        throw nestedItemFailure(start + i, err);
      });
    } else out[i] = value;
  }
  return pending ? Promise.all(out) : out;
}

/** Run `ref` over `items` (positions `start…`) with `context`; synchronous unless the function's module must load or it is async. */
export function runNestedChunk(ref: FunctionRef, items: ArrayLike<unknown>, start: number, context: unknown): unknown[] | Promise<unknown[]> {
  const fn = resolveFunctionSync(ref);
  if (fn) return runWith(fn, items, start, context);
  return resolveFunction(ref).then((loaded) => runWith(loaded, items, start, context));
}
