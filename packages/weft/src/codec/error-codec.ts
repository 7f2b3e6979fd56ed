/**
 * Errors cross the worker boundary as plain data and are rebuilt on the other
 * side. Structured clone alone loses the class name of user errors, custom
 * own properties and (on some runtimes) `code` and `cause`, so Weft encodes
 * them itself.
 *
 * @module
 */

/** The wire form of an error. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** Own enumerable properties (including `code`) that survive structured clone. */
  readonly props: Record<string, unknown>;
  readonly cause?: SerializedValue;
  /** For `AggregateError`. */
  readonly errors?: readonly SerializedValue[];
}

/** A thrown value: an error, or any other value (thrown strings, numbers, ...). */
export type SerializedValue =
  | { readonly kind: 'error'; readonly error: SerializedError }
  | { readonly kind: 'value'; readonly value: unknown };

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

const MAX_DEPTH = 8;

function isErrorLike(value: unknown): value is Error {
  return (
    value instanceof Error ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Error).message === 'string' &&
      typeof (value as Error).name === 'string' &&
      'stack' in value)
  );
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Encode a thrown value for `postMessage`. Never throws. */
export function serializeThrown(thrown: unknown, depth = 0): SerializedValue {
  if (!isErrorLike(thrown)) {
    return cloneable(thrown)
      ? { kind: 'value', value: thrown }
      : { kind: 'value', value: describeUncloneable(thrown) };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (key === 'cause' || key === 'errors' || key === 'stack' || key === 'message' || key === 'name') continue;
    const value = (thrown as unknown as Record<string, unknown>)[key];
    if (cloneable(value)) props[key] = value;
  }
  let name = 'Error';
  try {
    name = String(thrown.name ?? thrown.constructor?.name ?? 'Error');
  } catch {
    // A getter that throws: keep the default.
  }
  const error: {
    -readonly [K in keyof SerializedError]: SerializedError[K];
  } = {
    name,
    message: String(thrown.message),
    stack: typeof thrown.stack === 'string' ? thrown.stack : undefined,
    props,
  };
  if ('cause' in thrown && depth < MAX_DEPTH) error.cause = serializeThrown(thrown.cause, depth + 1);
  if (Array.isArray((thrown as { errors?: unknown }).errors) && depth < MAX_DEPTH) {
    error.errors = (thrown as unknown as { errors: unknown[] }).errors.map((e) => serializeThrown(e, depth + 1));
  }
  return { kind: 'error', error };
}

/**
 * A smaller copy of a serialized error, for a slot that cannot hold the whole
 * one: every stack in the chain keeps its first line and at most `frames`
 * frames (none when 0), and with `messageChars` every message is cut to that
 * many characters. Name, props (the `code`), the chain of causes and the
 * values stay as they are.
 */
export function trimSerialized(value: SerializedValue, frames: number, messageChars?: number): SerializedValue {
  if (value.kind !== 'error') return value;
  const e = value.error;
  const stack = e.stack === undefined ? undefined : e.stack.split('\n').slice(0, 1 + frames).join('\n');
  const message = messageChars !== undefined && e.message.length > messageChars ? `${e.message.slice(0, messageChars)}…` : e.message;
  const error: { -readonly [K in keyof SerializedError]: SerializedError[K] } = { name: e.name, message, stack: frames > 0 ? stack : undefined, props: e.props };
  if (e.cause) error.cause = trimSerialized(e.cause, frames, messageChars);
  if (e.errors) error.errors = e.errors.map((x) => trimSerialized(x, frames, messageChars));
  return { kind: 'error', error };
}

function describeUncloneable(value: unknown): string {
  try {
    return `[uncloneable ${typeof value}: ${String(value)}]`;
  } catch {
    return `[uncloneable ${typeof value}]`;
  }
}

/**
 * Classes the caller registered so that errors thrown in workers come back as
 * instances of them (matched by `name`).
 */
const registeredErrorClasses = new Map<string, new (message?: string) => Error>();

/**
 * Register an error class so that an error of that class thrown inside a
 * worker is rebuilt as an instance of it on the caller's side (matched by
 * the error's `name`, which defaults to the class name).
 *
 * @example
 * ```ts
 * import { registerErrorClass, parallelMap, TaskError } from 'weftjs';
 * class QuotaError extends Error { override name = 'QuotaError'; }
 * registerErrorClass(QuotaError);
 * await parallelMap([1], () => { const e = new Error('over'); e.name = 'QuotaError'; throw e; }, { inline: 'never' })
 *   .catch((err: TaskError) => console.log(err.cause instanceof QuotaError)); // true
 * ```
 */
export function registerErrorClass(errorClass: new (message?: string) => Error, name?: string): void {
  if (typeof errorClass !== 'function') {
    throw new TypeError(`registerErrorClass: expected an error class, received ${typeof errorClass}`);
  }
  registeredErrorClasses.set(name ?? errorClass.name, errorClass);
}

/** Rebuild a thrown value encoded by {@link serializeThrown}. */
export function deserializeThrown(wire: SerializedValue): unknown {
  if (wire.kind === 'value') return wire.value;
  const { name, message, stack, props, cause, errors } = wire.error;
  const Ctor = registeredErrorClasses.get(name) ?? BUILTIN_ERRORS[name];
  let error: Error;
  if (name === 'AggregateError' && errors) {
    error = new AggregateError(errors.map(deserializeThrown), message);
  } else if (Ctor) {
    error = Object.create(Ctor.prototype) as Error;
    Object.defineProperty(error, 'message', { value: message, writable: true, configurable: true });
  } else {
    error = new Error(message);
  }
  if (error.name !== name) {
    Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true });
  }
  Object.defineProperty(error, 'stack', { value: stack ?? `${name}: ${message}`, writable: true, configurable: true });
  if (cause) Object.defineProperty(error, 'cause', { value: deserializeThrown(cause), writable: true, configurable: true });
  if (errors && !(error instanceof AggregateError)) {
    Object.defineProperty(error, 'errors', { value: errors.map(deserializeThrown), writable: true, configurable: true });
  }
  Object.assign(error, props);
  return error;
}

/** A short description of a thrown value, for messages. */
export function describeThrown(thrown: unknown): string {
  if (isErrorLike(thrown)) return `${thrown.name}: ${thrown.message}`;
  try {
    return String(thrown);
  } catch {
    return typeof thrown;
  }
}
