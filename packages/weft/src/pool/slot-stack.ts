/**
 * The free task slots: a lock-free (Treiber) stack in shared memory, so the
 * caller and every worker can take and return slots without a lock.
 *
 * The head word is `(tag << 16) | (slot + 1)` (0 = empty). The tag grows on
 * every change, so a compareExchange cannot succeed on a head that was popped
 * and pushed back in between (the ABA problem) unless 32768 changes happened
 * during one attempt.
 *
 * @module
 */
import { Header, Slot, type SchedulerMemory } from './scheduler-memory.js';

function retag(head: number, slotPlusOne: number): number {
  return ((((head >>> 16) + 1) & 0x7fff) << 16) | slotPlusOne;
}

/** Take a free slot; -1 when none is free. */
export function takeSlot(memory: SchedulerMemory): number {
  const w = memory.words;
  for (;;) {
    const head = Atomics.load(w, Header.FreeHead);
    const top = head & 0xffff;
    if (top === 0) return -1;
    const next = Atomics.load(w, memory.slotWord(top - 1) + Slot.NextFree);
    if (Atomics.compareExchange(w, Header.FreeHead, head, retag(head, next)) === head) return top - 1;
  }
}

/** Return slot `s` to the free stack. */
export function releaseSlot(memory: SchedulerMemory, s: number): void {
  const w = memory.words;
  const base = memory.slotWord(s);
  Atomics.store(w, base + Slot.State, 0);
  Atomics.store(w, base + Slot.Runner, 0);
  Atomics.store(w, base + Slot.Cancel, 0);
  for (;;) {
    const head = Atomics.load(w, Header.FreeHead);
    Atomics.store(w, base + Slot.NextFree, head & 0xffff);
    if (Atomics.compareExchange(w, Header.FreeHead, head, retag(head, s + 1)) === head) return;
  }
}
