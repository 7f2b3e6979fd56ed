/**
 * Argument checks of the atomic cells (kept off their fast paths: each
 * method tests cheaply and calls these only to build the error).
 *
 * @module
 */
import { describeValue } from '../validate.js';

/** The error for a value that is not an integer in `[min, max]`. */
export function badInteger(where: string, what: string, value: unknown, min: number, max: number): Error {
  if (typeof value !== 'number') return new TypeError(`${where}: ${what} must be an integer, received ${describeValue(value)}`);
  return new RangeError(`${where}: ${what} must be an integer between ${min} and ${max}, received ${String(value)}`);
}

/** The error for a value that is not a 64-bit signed bigint. */
export function badBigInt64(where: string, what: string, value: unknown): Error {
  if (typeof value !== 'bigint') return new TypeError(`${where}: ${what} must be a bigint, received ${describeValue(value)}`);
  return new RangeError(`${where}: ${what} must fit in 64 signed bits, received ${String(value)}n`);
}

/** The error for a value of the wrong primitive type. */
export function badType(where: string, what: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${where}: ${what} must be ${expected}, received ${describeValue(value)}`);
}

export const INT32_MIN = -0x8000_0000;
export const INT32_MAX = 0x7fff_ffff;
export const UINT32_MAX = 0xffff_ffff;
