/**
 * The options callers and workers share (where Redis is, which queue, the
 * signing key), checked at the call: a `TypeError` or `RangeError` that names
 * the option, what was wrong and what was received.
 *
 * @module
 */
import type { RedisOptions } from 'ioredis';

/**
 * Where Redis is: a URL (`redis://user:pass@host:6379/0`, `rediss://` for
 * TLS), or ioredis options (`host`, `port`, `username`, `password`, `tls`,
 * `db`, ...), passed to ioredis as they are.
 *
 * @example
 * ```ts
 * const tls: ConnectionOption = { host: 'redis.internal', port: 6380, username: 'weft', password: 'from-your-secret-store', tls: {} };
 * ```
 */
export type ConnectionOption = string | RedisOptions;

/**
 * The options of `ClusterPool` and `startWorker` that must agree between callers and workers.
 *
 * @example
 * ```ts
 * const shared: SharedOptions = { connection: 'rediss://redis.internal:6380', queue: 'thumbnails', key: 'a-long-random-shared-secret' };
 * ```
 */
export interface SharedOptions {
  /** Where Redis is. Required. */
  readonly connection: ConnectionOption;
  /** The BullMQ queue's name: letters, digits, `.`, `_`, `-` (no `:`). Required. */
  readonly queue: string;
  /** The HMAC key every job and result is signed with (at least 16 characters). Default: `WEFT_CLUSTER_KEY`. */
  readonly key?: string;
  /** BullMQ's key prefix in Redis. Default: `'bull'`. */
  readonly prefix?: string;
}

/** Shared options after checks. */
export interface Resolved {
  readonly connection: ConnectionOption;
  readonly queue: string;
  readonly key: string;
  readonly prefix: string;
}

/** A short description of a received value for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `a ${typeof value} (${String(value)})`;
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  if (typeof value === 'object') return `an object (${(Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null prototype'})`;
  return typeof value;
}

/** Throws unless `value` is an integer in `[min, max]`. */
export function checkInteger(where: string, what: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw new TypeError(`${where}: ${what} must be an integer, received ${describe(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new RangeError(`${where}: ${what} must be an integer ${range}, received ${String(value)}`);
  }
  return value;
}

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MIN_KEY_LENGTH = 16;

/** Check the shared options; `env` supplies `WEFT_CLUSTER_KEY`. */
export function resolveShared(where: string, options: unknown, env: Record<string, string | undefined> = process.env): Resolved {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options must be an object with connection and queue, received ${describe(options)}`);
  }
  const { connection, queue, key = env['WEFT_CLUSTER_KEY'], prefix = 'bull' } = options as Partial<SharedOptions>;
  if (connection === undefined || connection === null || connection === '') {
    throw new TypeError(`${where}: connection is required (a redis:// URL or ioredis options), received ${describe(connection)}`);
  }
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) {
      throw new TypeError(`${where}: connection must be a redis:// or rediss:// URL, or ioredis options, received ${describe(connection)}`);
    }
  } else if (typeof connection !== 'object') {
    throw new TypeError(`${where}: connection must be a redis:// URL or an object of ioredis options, received ${describe(connection)}`);
  }
  if (typeof queue !== 'string') throw new TypeError(`${where}: queue must be a string, received ${describe(queue)}`);
  if (!QUEUE_NAME.test(queue)) {
    throw new RangeError(`${where}: queue must be 1-100 letters, digits, '.', '_' or '-' (no ':'), starting with a letter or digit, received ${describe(queue)}`);
  }
  if (key === undefined || key === '') {
    throw new TypeError(`${where}: key is required to sign jobs: pass the key option or set WEFT_CLUSTER_KEY (the same on callers and workers)`);
  }
  if (typeof key !== 'string') throw new TypeError(`${where}: key must be a string, received ${describe(key)}`);
  if (key.length < MIN_KEY_LENGTH) throw new RangeError(`${where}: key must be at least ${MIN_KEY_LENGTH} characters, received ${key.length}`);
  if (typeof prefix !== 'string' || !QUEUE_NAME.test(prefix)) {
    throw new (typeof prefix === 'string' ? RangeError : TypeError)(`${where}: prefix must be letters, digits, '.', '_' or '-', received ${describe(prefix)}`);
  }
  return { connection, queue, key, prefix };
}
