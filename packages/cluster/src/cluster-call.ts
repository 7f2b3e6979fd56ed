/**
 * Caller side: one `map` or `run` in flight. Its chunks' outcomes arrive in
 * any order, possibly twice (delivery is at least once); each chunk counts
 * once, by its index, so results are exactly once and in input order.
 *
 * @module
 */
import { TaskError } from 'weftjs';
import { decodeError, decodeValue } from 'weftjs/wire';
import { ClusterError } from './errors.js';
import type { JobData, JobResult } from './protocol.js';

/** One job of a call, as queued (kept to queue it again if Redis loses it). */
export interface QueuedChunk {
  readonly jobId: string;
  readonly data: JobData;
  readonly count: number;
}

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  try {
    return String(cause);
  } catch {
    return typeof cause;
  }
}

/** A call's state: which chunks are done, the results so far, and how it settles. */
export class ClusterCall {
  readonly results: unknown[];
  private readonly done: boolean[];
  private finished = 0;
  private settled = false;

  constructor(
    readonly id: string,
    readonly where: string,
    readonly total: number,
    readonly chunks: readonly QueuedChunk[],
    private readonly onProgress: ((done: number, total: number) => void) | undefined,
    private readonly resolve: (results: unknown[]) => void,
    private readonly reject: (error: unknown) => void,
    /** Called once when the call fails or is aborted: remove its queued jobs, stop its running ones. */
    private readonly cancel: (call: ClusterCall) => void,
    /** Called once when the call settles either way. */
    private readonly release: (call: ClusterCall) => void,
  ) {
    this.results = new Array<unknown>(total);
    this.done = new Array<boolean>(chunks.length).fill(false);
  }

  /** Whether the call has settled. */
  get isSettled(): boolean {
    return this.settled;
  }

  /** Chunks not yet done (to queue again after Redis lost them). */
  pending(): QueuedChunk[] {
    return this.chunks.filter((_, i) => !this.done[i]);
  }

  /** A verified result for chunk `index`; a second one for the same chunk is ignored. */
  complete(index: number, result: JobResult): void {
    if (this.settled || this.done[index] !== false) return;
    const chunk = this.chunks[index]!;
    const outcome = result.outcome;
    switch (outcome.kind) {
      case 'ok': {
        const values = decodeValue(fromBase64(outcome.results)) as unknown[];
        const offset = chunk.data.offset;
        for (let i = 0; i < values.length; i++) this.results[offset + i] = values[i];
        this.done[index] = true;
        this.finished += chunk.count;
        if (this.onProgress) {
          try {
            this.onProgress(this.finished, this.total);
          } catch (err) {
            return this.fail(err);
          }
        }
        if (this.finished === this.total) this.succeed();
        return;
      }
      case 'failed': {
        const cause = decodeError(fromBase64(outcome.error));
        const message = `${this.where}: item ${outcome.index} failed on ${result.machine}: ${describeCause(cause)}`;
        return this.fail(new TaskError(message, cause, outcome.index));
      }
      case 'refused':
        return this.fail(decodeError(fromBase64(outcome.error)));
      case 'cancelled':
        return this.fail(new ClusterError('WEFT_CLUSTER_JOB_FAILED', `${this.where}: job ${chunk.jobId} was cancelled on ${result.machine} while this call still ran`, { machine: result.machine }));
    }
  }

  /** Settle successfully. */
  private succeed(): void {
    this.settled = true;
    this.release(this);
    this.resolve(this.results);
  }

  /** Reject with `error` and cancel what is left; later outcomes are ignored. */
  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.release(this);
    this.cancel(this);
    this.reject(error);
  }
}
