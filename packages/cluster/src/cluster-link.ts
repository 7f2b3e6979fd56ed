/**
 * Caller side: the connections of a ClusterPool. A BullMQ `Queue` to add and
 * remove jobs, an {@link EventReader} on the queue's event stream for results
 * (from the stream's last entry at connect, so no result is missed), and a
 * sentinel key whose disappearance says that Redis lost its data (a restart
 * without persistence, a flush), so lost jobs are queued again.
 *
 * @module
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { closeClient, createClient, unrefSockets } from './connection.js';
import { EventReader } from './event-reader.js';
import { within } from './within.js';
import type { Resolved } from './options.js';

/** What a link reports to its pool. */
export interface LinkEvents {
  completed(jobId: string, returnvalue: unknown): void;
  failed(jobId: string, reason: string): void;
  /** Whether calls are in flight (the event reader reads only then). */
  busy(): boolean;
  /** The command connection is ready again after a loss. */
  ready(): void;
  /** The command connection was lost. */
  lost(): void;
  /** A connection reported an error (kept for messages; ioredis reconnects by itself). */
  error(err: Error): void;
}

/** The connections of one ClusterPool, made on first use. */
export class ClusterLink {
  readonly commands: Redis;
  /** The blocking event reads (a connection of their own). */
  private readonly readerClient: Redis;
  /** Set once connected: the queue and the event reader. */
  queue: Queue | undefined;
  private events: EventReader | undefined;
  /** Resolves once the link is usable; rejects if it never connects before {@link close}. */
  readonly opened: Promise<void>;
  private readonly sentinel: string;
  private readonly sentinelMs: number;
  private closed = false;

  /** Connect, mark the data with the sentinel, and start reading events from now (see {@link opened}). */
  constructor(
    private readonly shared: Resolved,
    poolId: string,
    checkInterval: number,
    private readonly handlers: LinkEvents,
  ) {
    this.commands = createClient(shared.connection, `weft-caller:${poolId}`);
    this.readerClient = createClient(shared.connection, `weft-caller-events:${poolId}`);
    const { commands, readerClient } = this;
    unrefSockets(commands);
    unrefSockets(readerClient);
    // Errors surface as the pool's bounds (connectionTimeout); ioredis reconnects by itself.
    commands.on('error', (err: Error) => handlers.error(err));
    readerClient.on('error', () => {});
    this.sentinel = `${shared.prefix}:${shared.queue}:weft:caller:${poolId}`;
    this.sentinelMs = Math.max(60_000, 20 * checkInterval);
    this.opened = this.open();
    this.opened.catch(() => {});
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

  private async open(): Promise<void> {
    const { queue: name, prefix } = this.shared;
    const stream = `${prefix}:${name}:events`;
    const last = (await this.commands.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
    if (this.closed) throw new Error('closed');
    await this.mark();
    this.queue = new Queue(name, { connection: this.commands, prefix });
    this.queue.on('error', () => {});
    this.events = new EventReader(this.readerClient, stream, last[0]?.[0] ?? '0-0', () => this.handlers.busy(), this.handlers);
    this.events.start();
  }

  /** Read events again (a call started). */
  wake(): void {
    this.events?.start();
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

  /** Whether {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Close everything; bounded (a forced disconnect after `ms`), always resolves. */
  async close(ms = 2_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const polite = (async () => {
      this.events?.close();
      if (this.commands.status === 'ready') await this.commands.del(this.sentinel).catch(() => {});
      await this.queue?.close().catch(() => {});
    })();
    await within(polite, ms);
    await Promise.all([closeClient(this.commands, 200), closeClient(this.readerClient, 50)]);
  }
}
