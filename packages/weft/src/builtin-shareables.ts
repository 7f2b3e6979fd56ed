/**
 * Loads every built-in shareable type, so that their codecs are registered
 * (in memory/shareable.ts) wherever values are sent or revived. Both
 * entries import this file, through `wiring.ts` or directly; add each new
 * shareable primitive's module here.
 *
 * @module
 */
import './sync/mutex.js';
import './sync/rw-lock.js';
import './sync/condition.js';
import './sync/semaphore.js';
import './sync/barrier.js';
import './sync/atomic-int32.js';
import './sync/atomic-uint32.js';
import './sync/atomic-big-int64.js';
import './sync/atomic-bool.js';
import './sync/atomic-float64.js';
import './channel/channel.js';
export {};
