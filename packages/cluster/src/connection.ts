/**
 * Redis clients, made here so that every one gets the settings BullMQ needs
 * (`maxRetriesPerRequest: null`) and, on the caller's side, sockets that do
 * not keep the process alive.
 *
 * @module
 */
import { Redis } from 'ioredis';
import type { ConnectionOption } from './options.js';
import { within } from './within.js';

/** A new ioredis client for `connection`; the user's options pass through unchanged but for what BullMQ requires. */
export function createClient(connection: ConnectionOption, name: string): Redis {
  const required = { maxRetriesPerRequest: null, connectionName: name } as const;
  return typeof connection === 'string' ? new Redis(connection, required) : new Redis({ ...connection, ...required });
}

/**
 * Keep `client`'s sockets, this one and every reconnection's, from holding
 * the process open: the caller's pending work holds it instead (a timer).
 * So are those of its duplicates (BullMQ's blocking reads run on one).
 */
export function unrefSockets(client: Redis): void {
  const unref = (): void => {
    (client as unknown as { stream?: { unref?: () => void } }).stream?.unref?.();
  };
  client.on('connect', unref);
  unref();
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (...args: Parameters<Redis['duplicate']>): Redis => {
    const copy = duplicate(...args);
    unrefSockets(copy);
    return copy;
  };
}

/** Close `client`: politely (QUIT) when Redis answers within `ms`, else at once. Always resolves. */
export async function closeClient(client: Redis, ms = 1_000): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await within(client.quit(), ms);
  client.disconnect();
}
