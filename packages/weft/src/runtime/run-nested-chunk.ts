/**
 * Worker side of a nested `parallelMap` (one called inside a pool task): run
 * one chunk that the caller forked onto this pool's deques. A failing item
 * throws an error whose `code` is {@link NESTED_ITEM_FAILED} and whose
 * `itemIndex` and `cause` say which item failed and why, so the caller can
 * reject with the same `TaskError` an un-nested call gives.
 *
 * @module
 */
import type { FunctionRef } from '../protocol.js';
import { resolveFunction, resolveFunctionSync } from './resolve-function.js';

type AnyFunction = (...args: unknown[]) => unknown;

/** The `code` of the error that carries a nested item's failure to the caller. */
export const NESTED_ITEM_FAILED = 'WEFT_NESTED_ITEM_FAILED';

function failure(index: number, cause: unknown): Error {
  // The index travels in the message: the error codec keeps name, message, code, cause and stack.
  return Object.assign(new Error(`item ${index} failed`, { cause }), { code: NESTED_ITEM_FAILED });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

function runWith(fn: AnyFunction, items: ArrayLike<unknown>, start: number, context: unknown): unknown[] | Promise<unknown[]> {
  const out = new Array<unknown>(items.length);
  let pending = false;
  for (let i = 0; i < items.length; i++) {
    let value: unknown;
    try {
      value = fn(items[i], start + i, context);
    } catch (err) {
      throw failure(start + i, err);
    }
    if (isThenable(value)) {
      pending = true;
      out[i] = Promise.resolve(value).catch((err: unknown) => {
        throw failure(start + i, err);
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
