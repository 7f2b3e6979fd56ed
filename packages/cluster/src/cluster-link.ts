/**
 * Caller side: the connections of a ClusterPool. A BullMQ `Queue` to add and
 * remove jobs, a `QueueEvents` reading the queue's event stream for results
 * (from the stream's last entry at connect, so no result is missed), and a
 * sentinel key whose disappearance says that Redis lost its data (a restart
 * without persistence, a flush), so lost jobs are queued again.
 *
 * @module
 */
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { closeClient, createClient, unrefSockets } from './connection.js';
import type { Resolved } from './options.js';

/** What a link reports to its pool. */
export interface LinkEvents {
  completed(jobId: string, returnvalue: unknown): void;
  failed(jobId: string, reason: string): void;
  /** The command connection is ready again after a loss. */
  ready(): void;
  /** The command connection was lost. */
  lost(): void;
}

/** The connections of one ClusterPool, made on first use. */
export class ClusterLink {
  readonly queue: Queue;
  readonly events: QueueEvents;
  private readonly sentinel: string;
  private readonly sentinelMs: number;
  private closed = false;

  private constructor(
    readonly commands: Redis,
    private readonly reader: Redis,
    shared: Resolved,
    lastEventId: string,
    poolId: string,
    checkInterval: number,
    handlers: LinkEvents,
  ) {
    const { queue: name, prefix } = shared;
    this.queue = new Queue(name, { connection: commands, prefix });
    this.events = new QueueEvents(name, { connection: reader, prefix, lastEventId });
    this.sentinel = `${prefix}:${name}:weft:caller:${poolId}`;
    this.sentinelMs = Math.max(60_000, 20 * checkInterval);
    this.events.on('completed', ({ jobId, returnvalue }) => handlers.completed(jobId, returnvalue));
    this.events.on('failed', ({ jobId, failedReason }) => handlers.failed(jobId, failedReason));
    // Errors surface as the pool's bounds (connectionTimeout); ioredis reconnects by itself.
    this.queue.on('error', () => {});
    this.events.on('error', () => {});
    commands.on('error', () => {});
    reader.on('error', () => {});
    let wasLost = false;
    commands.on('close', () => {
      if (this.closed) return;
      wasLost = true;
      handlers.lost();
    });
    commands.on('ready', () => {
      if (this.closed || !wasLost) return;
      wasLost = false;
      handlers.ready();
    });
  }

  /** Connect, mark the data with the sentinel, and start reading events from now. */
  static async open(shared: Resolved, poolId: string, checkInterval: number, handlers: LinkEvents): Promise<ClusterLink> {
    const commands = createClient(shared.connection, `weft-caller:${poolId}`);
    const reader = createClient(shared.connection, `weft-caller-events:${poolId}`);
    unrefSockets(commands);
    unrefSockets(reader);
    try {
      const stream = `${shared.prefix}:${shared.queue}:events`;
      const last = (await commands.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
      const link = new ClusterLink(commands, reader, shared, last[0]?.[0] ?? '0-0', poolId, checkInterval, handlers);
      await link.mark();
      return link;
    } catch (err) {
      commands.disconnect();
      reader.disconnect();
      throw err;
    }
  }

  /** Write the sentinel (again). */
  async mark(): Promise<void> {
    await this.commands.set(this.sentinel, '1', 'PX', this.sentinelMs);
  }

  /** Refresh the sentinel; false when it was gone, meaning Redis lost its data (it is written again). */
  async stillHoldsData(): Promise<boolean> {
    const refreshed = await this.commands.set(this.sentinel, '1', 'PX', this.sentinelMs, 'XX');
    if (refreshed === 'OK') return true;
    await this.mark();
    return false;
  }

  /** Close everything; bounded (a forced disconnect after `ms`), always resolves. */
  async close(ms = 2_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    });
    const polite = (async () => {
      if (this.commands.status === 'ready') await this.commands.del(this.sentinel).catch(() => {});
      await Promise.all([this.events.close().catch(() => {}), this.queue.close().catch(() => {})]);
    })();
    await Promise.race([polite, late]);
    clearTimeout(timer);
    await Promise.all([closeClient(this.commands, 200), closeClient(this.reader, 200)]);
  }
}
