/**
 * HMAC-SHA256 signatures over jobs and results, with the key shared by
 * callers and workers. A worker runs nothing from a job whose signature does
 * not verify; a caller ignores a result whose signature does not.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PROTOCOL_VERSION, type JobData, type JobResult } from './protocol.js';

/** The signed text of a job: everything a worker acts on, bound to the queue and the job's id. */
function jobText(queue: string, jobId: string, data: Omit<JobData, 'sig'>): string {
  return JSON.stringify(['weft-job', PROTOCOL_VERSION, queue, jobId, data.call, data.offset, data.task, data.spread, data.items, data.context]);
}

function resultText(queue: string, jobId: string, result: Omit<JobResult, 'sig'>): string {
  return JSON.stringify(['weft-result', PROTOCOL_VERSION, queue, jobId, result.outcome, result.machine]);
}

function hmac(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

function same(a: string, b: unknown): boolean {
  if (typeof b !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** The signature of a job. */
export function signJob(key: string, queue: string, jobId: string, data: Omit<JobData, 'sig'>): string {
  return hmac(key, jobText(queue, jobId, data));
}

/** Whether `data` is a well-formed job whose signature verifies (never throws on junk). */
export function verifyJob(key: string, queue: string, jobId: string, data: unknown): data is JobData {
  if (typeof data !== 'object' || data === null) return false;
  const job = data as JobData;
  if (job.v !== PROTOCOL_VERSION || typeof job.sig !== 'string') return false;
  try {
    return same(signJob(key, queue, jobId, job), job.sig);
  } catch {
    return false;
  }
}

/** The signature of a result. */
export function signResult(key: string, queue: string, jobId: string, result: Omit<JobResult, 'sig'>): string {
  return hmac(key, resultText(queue, jobId, result));
}

/** Whether `value` is a well-formed result whose signature verifies (never throws on junk). */
export function verifyResult(key: string, queue: string, jobId: string, value: unknown): value is JobResult {
  if (typeof value !== 'object' || value === null) return false;
  const result = value as JobResult;
  if (result.v !== PROTOCOL_VERSION || typeof result.sig !== 'string' || typeof result.outcome !== 'object' || result.outcome === null) return false;
  try {
    return same(signResult(key, queue, jobId, result), result.sig);
  } catch {
    return false;
  }
}
