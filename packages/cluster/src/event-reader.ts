/**
 * Caller side: reads the queue's BullMQ event stream (`<prefix>:<queue>:events`,
 * the stream BullMQ's `QueueEvents` reads) for the `completed` and `failed`
 * events of our jobs. A reader of our own rather than `QueueEvents` because
 * it must not hold the process open when the pool is idle: it reads only
 * while calls are in flight, on a socket that is unref'd, and keeps no timer
 * (QueueEvents keeps a ref'd watchdog timer while it runs).
 *
 * @module
 */
import type { Redis } from 'ioredis';

/** What the reader reports. */
export interface StreamEvents {
  completed(jobId: string, returnvalue: unknown): void;
  failed(jobId: string, reason: string): void;
}

/** How long (ms) one XREAD blocks; an idle reader stops within this. */
const BLOCK_MS = 1_000;

function fields(list: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < list.length; i += 2) map.set(list[i]!, list[i + 1]!);
  return map;
}

/** The event stream from a given id on, read while `wanted()` holds. */
export class EventReader {
  private running = false;
  private closed = false;

  constructor(
    private readonly client: Redis,
    private readonly stream: string,
    private lastId: string,
    private readonly wanted: () => boolean,
    private readonly handlers: StreamEvents,
  ) {}

  /** Read, if not already reading, until nothing is wanted. */
  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    void this.loop();
  }

  /** Stop for good (the client is closed by its owner). */
  close(): void {
    this.closed = true;
  }

  private async loop(): Promise<void> {
    try {
      while (!this.closed && this.wanted()) {
        let reply: [string, [string, string[]][]][] | null;
        try {
          reply = (await this.client.xread('BLOCK', BLOCK_MS, 'STREAMS', this.stream, this.lastId)) as typeof reply;
        } catch {
          // A dropped connection: ioredis reconnects; the pool's watchdog bounds how long that may take.
          if (this.closed) return;
          await new Promise<void>((resolve) => setTimeout(resolve, 50).unref());
          continue;
        }
        for (const [, entries] of reply ?? []) {
          for (const [id, list] of entries) {
            this.lastId = id;
            this.dispatch(fields(list));
          }
        }
      }
    } finally {
      this.running = false;
    }
    // A call may have started between the last check and `running = false`.
    if (!this.closed && this.wanted()) this.start();
  }

  private dispatch(event: Map<string, string>): void {
    const jobId = event.get('jobId');
    if (jobId === undefined) return;
    switch (event.get('event')) {
      case 'completed': {
        let value: unknown;
        try {
          value = JSON.parse(event.get('returnvalue') ?? 'null');
        } catch {
          return; // not a result a worker of ours wrote
        }
        this.handlers.completed(jobId, value);
        return;
      }
      case 'failed':
        this.handlers.failed(jobId, event.get('failedReason') ?? '');
        return;
    }
  }
}
