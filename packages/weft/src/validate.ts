/**
 * Argument checks shared by the public entry points. Each throws a
 * `TypeError` or `RangeError` that names the argument and what was received.
 *
 * @module
 */

/** A short description of a received value for error messages: `a string ("x")`, `null`, `an object (Map)`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'number':
      return `a number (${String(value)})`;
    case 'bigint':
      return `a bigint (${String(value)}n)`;
    case 'string':
      return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
    case 'boolean':
      return `a boolean (${String(value)})`;
    case 'symbol':
      return `a symbol (${String(value.description)})`;
    case 'function':
      return `a function (${value.name || 'anonymous'})`;
    default: {
      const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
      return `an object (${name ?? 'null prototype'})`;
    }
  }
}

/** Throws unless `value` is an integer in `[min, max]`. */
export function checkInteger(where: string, what: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${where}: ${what} must be an integer, received ${describeValue(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new RangeError(`${where}: ${what} must be an integer ${range}, received ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is a function. */
export function checkFunction(where: string, what: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new TypeError(`${where}: ${what} must be a function, received ${describeValue(value)}`);
  }
}

/** Throws unless `value` looks like an `AbortSignal`. */
export function checkSignal(where: string, value: unknown): asserts value is AbortSignal {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as AbortSignal).aborted !== 'boolean' ||
    typeof (value as AbortSignal).addEventListener !== 'function'
  ) {
    throw new TypeError(`${where}: signal must be an AbortSignal, received ${describeValue(value)}`);
  }
}

/** Throws unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(where: string, what: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new (typeof value === 'string' ? RangeError : TypeError)(
      `${where}: ${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, received ${describeValue(value)}`,
    );
  }
  return value as T;
}

/** `items` as something indexable: arrays and typed arrays as they are, other iterables and array-likes copied; a `TypeError` otherwise. */
export function toIndexable<T>(where: string, items: unknown): ArrayLike<T> {
  if (Array.isArray(items)) return items as T[];
  if (ArrayBuffer.isView(items) && !(items instanceof DataView)) return items as unknown as ArrayLike<T>;
  if (items !== null && items !== undefined) {
    if (typeof (items as Iterable<T>)[Symbol.iterator] === 'function') return Array.from(items as Iterable<T>);
    if (typeof items === 'object' && typeof (items as ArrayLike<T>).length === 'number') return Array.from(items as ArrayLike<T>);
  }
  throw new TypeError(`${where}: items must be an iterable or an array-like object, received ${describeValue(items)}`);
}
