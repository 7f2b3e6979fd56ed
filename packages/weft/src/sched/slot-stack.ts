/**
 * The free task slots: a lock-free (Treiber) stack in shared memory, so the
 * caller and every worker can take and return slots without a lock.
 *
 * The head word is `(tag << bits) | (slot + 1)` (0 = empty), where `bits`
 * is just enough to name every slot ({@link slotBits}: 13 for the pool's
 * 4096) and the tag has the rest of 31 bits (18 for the pool's). The tag
 * grows on every change, so a compareExchange cannot succeed on a head that
 * was popped and pushed back in between (the ABA problem) unless a multiple
 * of 2^(31 - bits) changes (262144 for the pool's) happened during one
 * attempt. (A fixed 16-bit field left the tag 15 bits: 32768 changes, some
 * 16k tasks, tens of milliseconds of a busy pool while one thread is
 * descheduled.)
 *
 * @module
 */
import { Header, Slot, type SchedulerMemory } from './scheduler-memory.js';

/** Low bits of the free-stack head that hold `slot + 1` for a scheduler of `slots` slots; the tag is above them. */
export function slotBits(slots: number): number {
  return 32 - Math.clz32(slots);
}

function retag(head: number, slotPlusOne: number, bits: number): number {
  return ((((head >>> bits) + 1) & ((1 << (31 - bits)) - 1)) << bits) | slotPlusOne;
}

/** Take a free slot; -1 when none is free. */
export function takeSlot(memory: SchedulerMemory): number {
  const w = memory.words;
  const bits = slotBits(memory.sizes.slots);
  for (;;) {
    const head = Atomics.load(w, Header.FreeHead);
    const top = head & ((1 << bits) - 1);
    if (top === 0) return -1;
    const next = Atomics.load(w, memory.slotWord(top - 1) + Slot.NextFree);
    if (Atomics.compareExchange(w, Header.FreeHead, head, retag(head, next, bits)) === head) return top - 1;
  }
}

/** Return slot `s` to the free stack. */
export function releaseSlot(memory: SchedulerMemory, s: number): void {
  const w = memory.words;
  const base = memory.slotWord(s);
  Atomics.store(w, base + Slot.State, 0);
  Atomics.store(w, base + Slot.Runner, 0);
  Atomics.store(w, base + Slot.Cancel, 0);
  const bits = slotBits(memory.sizes.slots);
  for (;;) {
    const head = Atomics.load(w, Header.FreeHead);
    Atomics.store(w, base + Slot.NextFree, head & ((1 << bits) - 1));
    if (Atomics.compareExchange(w, Header.FreeHead, head, retag(head, s + 1, bits)) === head) return;
  }
}
