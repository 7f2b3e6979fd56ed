/**
 * The operations `select` chooses between, made by `Channel.receiving()`
 * and `Channel.sending(value)`.
 *
 * @module
 */
import type { Channel } from './channel.js';
import type { ChannelRing } from './ring.js';
import type { OutgoingMessage } from './ring-layout.js';

/**
 * A receive from `channel`, as one case of {@link select}.
 *
 * @typeParam T - the channel's value type.
 */
export interface ReceiveCase<T> {
  /** Always `'receive'`. */
  readonly kind: 'receive';
  /** The channel to receive from. */
  readonly channel: Channel<T>;
}

/**
 * A send of `value` to `channel`, as one case of {@link select}. The value
 * is encoded when the case is made, so a value that cannot be sent is
 * refused there, with a `TypeError`.
 *
 * @typeParam T - the channel's value type.
 */
export interface SendCase<T> {
  /** Always `'send'`. */
  readonly kind: 'send';
  /** The channel to send to. */
  readonly channel: Channel<T>;
  /** The value to send. */
  readonly value: T;
}

/** Any case of {@link select}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a case of any channel; the result type recovers T
export type SelectCase = ReceiveCase<any> | SendCase<any>;

/** What `select` needs from a case, kept off the public objects. */
export interface CaseInternals {
  readonly ring: ChannelRing;
  /** For send cases: the encoded value. */
  readonly message: OutgoingMessage | undefined;
}

/** Internals of every case made by a channel. */
export const caseInternals = new WeakMap<object, CaseInternals>();
