/**
 * The channels this thread knows, by id: how a channel that travels inside
 * a value (through another channel, or as a task's result) is found again.
 * A value carries only the channel's id; its memory must already be known
 * here (created here, or received as a task argument or in `context`),
 * because a `SharedArrayBuffer` cannot travel inside encoded bytes.
 *
 * Entries hold the channel weakly and go when it is collected.
 *
 * @module
 */
import type { Channel } from './channel.js';

const known = new Map<string, WeakRef<Channel<unknown>>>();
const forget = new FinalizationRegistry<string>((id) => {
  const ref = known.get(id);
  if (ref && ref.deref() === undefined) known.delete(id);
});

/** Remember `channel` under `id` (its first object in this thread wins). */
export function rememberChannel(id: string, channel: Channel<unknown>): void {
  if (known.get(id)?.deref()) return;
  known.set(id, new WeakRef(channel));
  forget.register(channel, id);
}

/** The channel with `id` in this thread, if it is known and alive. */
export function findChannel(id: string): Channel<unknown> | undefined {
  return known.get(id)?.deref();
}
