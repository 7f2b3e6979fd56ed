/**
 * Task shipping for workers: a task's function by reference and its
 * arguments in the form their slot takes (the fast payload, msgpack), or
 * pinned to travel by message (shared memory, or too large for a slot).
 *
 * @module
 */
import { describeThrown } from '../codec/error-codec.js';
import { encodePayload, fastPayloadSize, holdsSharedMemory, type EncodedPayload } from '../codec/payload-codec.js';
import { encodeShareables } from '../memory/shareable.js';
import { shippableRef } from '../task/function-ref.js';
import { transfersIn } from '../memory/transfer.js';
import { defaultSizes, SlotFlag } from '../sched/scheduler-memory.js';
import type { TaskRecord } from './task-record.js';

/** `TaskRecord.args` of a task already shipped (its arguments live in the payload or `pinnedArgs`). */
const EMPTY_ARGS: unknown[] = [];

/** Payload bytes per slot (arguments or result); larger arguments travel by message. */
const PAYLOAD_BYTES = defaultSizes(1).payloadBytes;

/**
 * Make `record`'s task ready for workers: its function by reference, its
 * arguments encoded for a slot, or pinned (shared memory, or too large for a
 * slot, or holding buffers marked with `transfer`) to travel by message. Writes the record's fields, allocating nothing
 * on the fast path; throws `TypeError` naming what cannot be sent.
 *
 * @example
 * ```ts
 * shipTask(record, 'Pool.run'); // record.ref, and one of fastArgs / payload / pinnedArgs, are set
 * ```
 */
export function shipTask(record: TaskRecord, where: string): void {
  record.ref = shippableRef(where, record.fn);
  const wire = encodeShareables(record.args) as unknown[];
  record.fn = undefined;
  record.args = EMPTY_ARGS;
  // Buffers marked with transfer() are moved by the message that carries the task.
  const moved = transfersIn(wire);
  if (moved.length > 0) record.transfer = moved;
  if (moved.length > 0 || holdsSharedMemory(wire)) return pin(record, wire);
  // The fast path (a few numbers): written into the slot as they are. (A larger one would be pinned below.)
  const size = fastPayloadSize(wire);
  if (size >= 0 && size <= PAYLOAD_BYTES) {
    record.fastArgs = wire;
    return;
  }
  let payload: EncodedPayload;
  try {
    payload = encodePayload(wire);
  } catch (err) {
    throw unsendableArgs(where, err);
  }
  if (payload.size > PAYLOAD_BYTES) pin(record, wire);
  else record.payload = payload;
}

/** The error of a task whose arguments cannot be sent: not encodable for a slot, or refused by the message that was to carry them. */
export function unsendableArgs(where: string, err: unknown): TypeError {
  return new TypeError(`${where}: the arguments cannot be sent to a worker (${describeThrown(err)})`, { cause: err });
}

/** Shared memory must travel by message (which shares it); so must what does not fit a slot. */
function pin(record: TaskRecord, wire: unknown[]): void {
  record.pinnedArgs = wire;
  record.flags |= SlotFlag.Pinned;
}
