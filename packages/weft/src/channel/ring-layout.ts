/**
 * The memory layout of a channel's ring (see `ring.ts` and `README.md`):
 * header words, slot and blob-cell sizes, the length tags of a slot, and
 * the shape of an outgoing message.
 *
 * @module
 */
import { STRUCTURE_REGISTRY_BYTES } from '../codec/structure-registry.js';
import type { EncodedPayload } from '../codec/payload-codec.js';

// ---- header words (Int32 indexes); hot words sit on their own 64-byte line ----

/** Producers' claim position: `lap | index`, plus `markBit` once closed. */
export const TAIL = 0;
/** Consumers' claim position: `lap | index`. */
export const HEAD = 16;
/** Receivers in `receive` or `select` about to sleep or asleep (a rendezvous is ready for `trySend` while one is). */
export const RECV_SLEEPERS = 32;
/**
 * Receivers sleep on this word: bit 0 ({@link SLEEPING}) is set by a
 * receiver about to sleep; a publish that finds it set moves the word on
 * (clearing the bit) and wakes every receiver. Close moves it too.
 */
export const RECV_EVENT = 33;
/** Senders sleep on this word, as receivers on `RECV_EVENT`: a freed slot or freed blob cells wake them. */
export const SEND_EVENT = 49;
/** The bit of an event word that says someone announced a sleep on it since the last wake. */
export const SLEEPING = 1;
/** Selects about to sleep or asleep on `SELECT_EVENT` (they wait on several channels at once). */
export const SELECT_SLEEPERS = 96;
/** Bumped, then notified to *all*, on every change a select may wait for. */
export const SELECT_EVENT = 97;
/** Next blob cell position (producers claim runs of cells by compareExchange). */
export const BLOB_TAIL = 64;
// Constants, written once before the buffer is shared.
export const CAPACITY = 80;
export const MARK_BIT = 81;
export const ONE_LAP = 82;
export const RENDEZVOUS = 83;
export const BLOB_CELLS = 84;
export const ID_HI = 85;
export const ID_LO = 86;
export const REQUESTED = 87;
export const HEADER_BYTES = 448;
/** The table of record structures shared by every thread that encodes or decodes this channel's values. */
export const REGISTRY_AT = HEADER_BYTES;
/** Byte offset of the first message slot. */
export const SLOTS_AT = REGISTRY_AT + STRUCTURE_REGISTRY_BYTES;

/** Bytes per message slot: a stamp word, a length word, then the inline payload. */
export const SLOT_BYTES = 64;
/** Payload bytes a slot holds inline; larger payloads go to the blob ring. */
export const INLINE_BYTES = SLOT_BYTES - 8;
/** Length word of a slot holding a bare number (as a float64 at the slot's first aligned data word). */
export const NUMBER_LENGTH = 0x4000_0000;
/** A slot's length word when its value is in the ring's identity heap. */
export const IDENTITY_LENGTH = 0x4000_0001;
/** Length word `RECORD_LENGTH | n`: the slot holds `n` bytes of the channel codec's msgpack, from its first data word. */
export const RECORD_LENGTH = 0x2000_0000;
/** Bytes per blob cell. */
export const CELL_BYTES = 64;

/** Returned by {@link ChannelRing.tryPop} when nothing is ready (a symbol: channels refuse symbols as values). */
export const EMPTY: unique symbol = Symbol('weft.channel.empty');
/** Returned when the channel is closed (and, for pops, drained). */
export const CLOSED: unique symbol = Symbol('weft.channel.closed');
/** Returned by {@link ChannelRing.tryPush} when there is no room now. */
export const FULL: unique symbol = Symbol('weft.channel.full');

/** A value encoded once at the call, before anything is claimed. Exactly one of `inline`, `record`, `identity`, `blob` is set. */
export interface OutgoingMessage {
  /** A fast-path payload (a number, boolean, null, undefined, a few numbers) that fits in a slot. */
  readonly inline: EncodedPayload | undefined;
  /** msgpack bytes from the channel's codec that fit in a slot. */
  readonly record: Uint8Array | undefined;
  /** Shared heap: the value itself, passed by identity through {@link ChannelRing.heap}. */
  readonly identity: { readonly value: unknown } | undefined;
  /** Standalone bytes (tag included) for the blob ring. */
  readonly blob: Uint8Array | undefined;
  /** Blob cells held for this message while it waits for a slot (-1: none). */
  blobPos: number;
}

export function outgoing(
  inline: EncodedPayload | undefined,
  record: Uint8Array | undefined,
  identity: { readonly value: unknown } | undefined,
  blob: Uint8Array | undefined,
): OutgoingMessage {
  return { inline, record, identity, blob, blobPos: -1 };
}

/** Sizes that shape a ring's memory. */
export interface RingShape {
  /** Message slots (>= 1). */
  readonly slots: number;
  /** True for a rendezvous channel (capacity 0: one slot, senders wait for pickup). */
  readonly rendezvous: boolean;
  /** Blob bytes (rounded up to a power-of-two number of cells). */
  readonly blobBytes: number;
  /** The capacity the user asked for (recorded for `capacity`; -1 for unbounded). */
  readonly requested: number;
}

export const nextPowerOfTwo = (n: number): number => (n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n)));

/** Random identity of a channel, used to find it again when it travels inside a value. */
export function randomId(words: Int32Array): void {
  const id = new Int32Array(2);
  crypto.getRandomValues(id);
  words[ID_HI] = id[0]!;
  words[ID_LO] = id[1]! === 0 ? 1 : id[1]!;
}

