/**
 * What a worker's death means for the tasks of its pool: the task it was
 * running fails with a `WorkerExitError` (a forked one in its slot, so its
 * joiner throws instead of waiting forever), the function-table lock it may
 * have held is released, and tasks pinned to it go to its replacement.
 *
 * @module
 */
import { describeThrown, serializeThrown } from '../codec/error-codec.js';
import { encodePayload } from '../codec/payload-codec.js';
import { WorkerExitError } from '../errors.js';
import { futexNotify } from '../sync/futex.js';
import type { CallerScheduler, RunningPool } from './caller-scheduler.js';
import { unsendableArgs } from './ship-task.js';
import { releaseFunctionLockOf } from '../sched/function-table.js';
import { type SchedulerMemory, Slot, TaskState } from '../sched/scheduler-memory.js';
import { releaseSlot } from '../sched/slot-stack.js';
import type { PoolWorker } from '../backend/worker-pool.js';

/**
 * Fail what `worker` was running, and re-send what was pinned to it to its
 * replacement (unless the pool is `closed`). `where` names the pool.
 *
 * @example
 * ```ts
 * recoverFromExit(scheduler, running, worker, 1, undefined, false, 'Pool');
 * ```
 */
export function recoverFromExit(
  scheduler: CallerScheduler,
  run: RunningPool,
  worker: PoolWorker,
  exitCode: number | null,
  error: unknown,
  closed: boolean,
  where: string,
): void {
  const { memory } = run;
  const w = memory.words;
  const number = worker.index + 1;
  releaseFunctionLockOf(memory, number);
  const how = exitCode === null ? 'was terminated' : `exited with code ${exitCode}`;
  const detail = error === undefined ? '' : `: ${describeThrown(error)}`;
  for (let slot = 0; slot < memory.sizes.slots; slot++) {
    const base = memory.slotWord(slot);
    const state = Atomics.load(w, base + Slot.State);
    const record = scheduler.inSlots.get(slot);
    if (state === TaskState.Running && Atomics.load(w, base + Slot.Runner) === number) {
      const exit = new WorkerExitError(`${where}: the worker running this task ${how}${detail}`, exitCode, error === undefined ? undefined : { cause: error });
      if (record) {
        scheduler.inSlots.delete(slot);
        releaseSlot(memory, slot);
        scheduler.settle(record, false, exit);
      } else {
        // A forked task: fail it in its slot, so the task joining it throws instead of waiting forever.
        failSlot(memory, slot, exit);
      }
    } else if (record && record.pinnedTo === worker.index && state === TaskState.Queued) {
      record.pinnedTo = -1; // re-sent below, to the replacement
    }
  }
  if (closed) return;
  const replacement = run.workers.at(worker.index);
  scheduler.holdWhilePumping(replacement);
  for (const slot of [...scheduler.inSlots.keys()]) {
    const record = scheduler.inSlots.get(slot)!;
    if (!record.pinnedArgs || record.pinnedTo !== -1 || record.settled) continue;
    if (record.moved) {
      // Its buffers went to the dead worker with the first post: there is nothing left to send again.
      scheduler.inSlots.delete(slot);
      releaseSlot(memory, slot);
      scheduler.settle(record, false, new WorkerExitError(`${where}: the worker this task was sent to ${how}${detail}, and its transferred buffers went with it`, exitCode, error === undefined ? undefined : { cause: error }));
    } else {
      try {
        scheduler.postPinned(record, replacement);
      } catch (err) {
        scheduler.inSlots.delete(slot);
        releaseSlot(memory, slot);
        scheduler.settle(record, false, unsendableArgs(`${where}.run`, err));
      }
    }
  }
}

/** Mark a forked task failed with `error` (its runner died), waking whoever joins it. */
function failSlot(memory: SchedulerMemory, slot: number, error: Error): void {
  const w = memory.words;
  const base = memory.slotWord(slot);
  const encoded = encodePayload(serializeThrown(error));
  const length = encoded.size <= memory.sizes.payloadBytes ? memory.payloads.write(memory.payloadAt(slot), encoded) : 0;
  Atomics.store(w, base + Slot.ResultLength, length);
  Atomics.store(w, base + Slot.State, TaskState.Failed);
  futexNotify(w, base + Slot.State);
}
