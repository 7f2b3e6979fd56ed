/**
 * A task's outcome into its slot on workers: the value or serialized error
 * in the slot's payload; a fork's error shortened to fit; a top-level
 * result too large for the slot sent by message instead; a fork's result too
 * large for its slot turned into a `RangeError`.
 *
 * @module
 */
import { serializeThrown, trimSerialized, type SerializedValue } from '../codec/error-codec.js';
import { encodePayload, type EncodedPayload } from '../codec/payload-codec.js';
import { type SchedulerMemory, SlotFlag, TaskState } from './scheduler-memory.js';
import type { FromWorker } from '../protocol.js';
import { transfersIn } from '../memory/transfer.js';

/** How a forked task's error is shortened to fit its slot, in turn: [stack frames kept, message characters kept]. */
const TRIMS: readonly (readonly [number, number | undefined])[] = [[6, undefined], [2, undefined], [0, undefined], [0, 160]];

/**
 * Write `value` (for `Failed`, an error already serialized) into `slot`'s
 * payload, and return the state and `ResultLength` to publish (-1: sent by
 * message). Publishing them is the caller's: payload first, then the state.
 *
 * @example
 * ```ts
 * const { state, length } = writeOutcome(memory, slot, TaskState.Done, 42, flags, post);
 * ```
 */
export function writeOutcome(
  memory: SchedulerMemory,
  slot: number,
  state: number,
  value: unknown,
  flags: number,
  post: (message: FromWorker, transfer?: readonly ArrayBuffer[]) => void,
): { state: number; length: number } {
  const capacity = memory.sizes.payloadBytes;
  const at = memory.payloadAt(slot);
  let length: number;
  if (state === TaskState.Done && flags & SlotFlag.TopLevel) {
    // A result holding buffers marked with transfer() moves to the caller by message.
    const moved = transfersIn(value);
    if (moved.length > 0) {
      post({ type: 'task-result', slot, value: { ok: value } }, moved);
      return { state, length: -1 };
    }
  }
  let encoded: EncodedPayload;
  try {
    encoded = encodePayload(value);
  } catch (err) {
    state = TaskState.Failed;
    value = serializeThrown(new TypeError(`The task's result cannot be sent back: ${(err as Error).message}`));
    encoded = encodePayload(value);
  }
  if (encoded.size > capacity && state === TaskState.Failed && !(flags & SlotFlag.TopLevel)) {
    // A fork's error must fit its slot: keep name, code, causes and messages; shorten the stacks first.
    for (const [frames, chars] of TRIMS) {
      const trimmed = encodePayload(trimSerialized(value as SerializedValue, frames, chars));
      if (trimmed.size <= capacity) {
        encoded = trimmed;
        break;
      }
    }
  }
  if (encoded.size <= capacity) {
    length = memory.payloads.write(at, encoded);
  } else if (flags & SlotFlag.TopLevel) {
    // Too large for the slot: the caller gets it by message, which is sent before the state changes.
    post({ type: 'task-result', slot, value: state === TaskState.Done ? { ok: value } : { err: value } });
    length = -1;
  } else {
    state = TaskState.Failed;
    const tooLarge = new RangeError(
      `A forked task's result takes ${encoded.size} bytes, more than a slot's ${capacity}; return less, or write large results into shared memory`,
    );
    length = memory.payloads.write(at, encodePayload(serializeThrown(tooLarge)));
  }
  return { state, length };
}
