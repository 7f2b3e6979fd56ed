// A module task for the transfer benchmark: it touches a buffer and returns it, moved back with
// transfer() when asked (an inline function cannot reach transfer: it captures nothing).
import { defineTask, transfer } from 'weftjs';

/** Bump the first byte, and return the bytes (moved when `move`). */
export const touchBytes = defineTask(import.meta.url, (bytes, move) => {
  bytes[0] = (bytes[0] + 1) & 255;
  return move ? transfer(bytes) : bytes;
});
