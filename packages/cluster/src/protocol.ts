/**
 * What a job and its result hold on the queue. BullMQ stores job data and
 * return values as JSON, so every value inside is bytes of Weft's codec
 * (msgpack in structured-clone mode), carried as base64; JSON only frames
 * them. Both directions are signed (see `sign.ts`).
 *
 * @module
 */

/** The protocol version, first in every signed text. Workers refuse other versions. */
export const PROTOCOL_VERSION = 1;

/** How a worker finds the function: checked source text, or a module under its `--root`. */
export type WireTask =
  | { readonly kind: 'source'; readonly source: string; readonly form: 'expression' | 'method' }
  /** `path`: relative to the caller's project root, `/`-separated; resolved under the worker's root. */
  | { readonly kind: 'module'; readonly path: string; readonly exportName: string };

/** The data of one BullMQ job: a chunk of one call's items. */
export interface JobData {
  readonly v: typeof PROTOCOL_VERSION;
  /** The call this chunk belongs to. */
  readonly call: string;
  /** Index of the chunk's first item in the call's input. */
  readonly offset: number;
  readonly task: WireTask;
  /** `run`: the one item is the argument list, spread into the call. */
  readonly spread: boolean;
  /** The chunk's items (an array), in Weft's codec, base64. */
  readonly items: string;
  /** The call's context in Weft's codec, base64 (`''`: none). */
  readonly context: string;
  /** HMAC of everything above and the job's id and queue. */
  readonly sig: string;
}

/** What a worker sends back for a job, as the job's return value. */
export type JobOutcome =
  /** The chunk's results, an array in Weft's codec. */
  | { readonly kind: 'ok'; readonly results: string }
  /** An item threw: its index in the call's input, and the thrown value in Weft's error codec. */
  | { readonly kind: 'failed'; readonly index: number; readonly error: string }
  /** The worker could not run the chunk at all (a missing module): the error, in Weft's error codec. */
  | { readonly kind: 'refused'; readonly error: string }
  /** The call was cancelled while the chunk ran. */
  | { readonly kind: 'cancelled' };

/** A job's return value: the outcome, who produced it, and its signature. */
export interface JobResult {
  readonly v: typeof PROTOCOL_VERSION;
  readonly outcome: JobOutcome;
  /** `host:pid` of the worker. */
  readonly machine: string;
  readonly sig: string;
}

/** The Redis pub/sub channel on which callers ask workers to stop a call's running chunks. */
export function cancelChannel(prefix: string, queue: string): string {
  return `${prefix}:${queue}:weft:cancel`;
}

/** The id of the `chunk`-th job of `call` (BullMQ ids may not contain `:` or be integers). */
export function jobIdOf(call: string, chunk: number): string {
  return `${call}-${chunk}`;
}

/** The call a job id belongs to (see {@link jobIdOf}), or undefined for a job that is not ours. */
export function callOfJobId(jobId: string): string | undefined {
  const dash = jobId.lastIndexOf('-');
  return dash > 0 ? jobId.slice(0, dash) : undefined;
}
