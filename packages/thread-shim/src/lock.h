// Lock state shared by Lock (lock.cc) and Condition (condition.cc).
#ifndef THREAD_SHIM_LOCK_H_
#define THREAD_SHIM_LOCK_H_

#include "shim.h"

namespace thread_shim {

struct SyncLockWaiter {
  Parker parker;
  int thread_id = kNoOwner;
};

// An asyncHold / asyncWait that waits to be granted the lock (granted at
// once when free, settled on the main thread). `fn` empty: resolve with a
// release function.
struct AsyncLockWaiter {
  v8::Global<v8::Promise::Resolver> resolver;
  v8::Global<v8::Function> fn;
  v8::Global<v8::Object> lock_object;
};

// All fields under S().mu. The lock is held either synchronously (`owner`,
// a thread id) or asynchronously (`async_hold`, the serial of the live
// asyncHold / asyncWait grant, which belongs to no thread: its release
// function may be called from any thread). Never both.
struct LockState final : public HandleOwner,
                         public std::enable_shared_from_this<LockState> {
  int owner = kNoOwner;  // synchronous holder, or kNoOwner
  // Identity of the current synchronous hold (0: none). A Condition.wait
  // re-acquires the lock under the same identity it gave up, so the hold that
  // called it can still release; every grant gets a fresh one from `last_hold`.
  uint64_t hold = 0;
  uint64_t last_hold = 0;
  uint64_t NewHold() { return hold = ++last_hold; }
  // The live async grant (0: none). A release function or an asyncHold(fn)
  // epilogue releases only while this is still its own serial; a hold given
  // up by Condition.asyncWait is "consumed" and its release function throws.
  uint64_t async_hold = 0;
  // The grant was handed to JavaScript (its fn runs, or its release function
  // exists): only then may Condition.asyncWait consume it.
  bool async_delivered = false;
  // An asyncHold(fn) callback is running (on the main thread): a synchronous
  // hold from there could never succeed, so it throws "Lock is not recursive".
  bool grant_running = false;
  // The asyncHold() granted at registration (async_hold is its serial) whose
  // hand-off to JavaScript is still queued for the main thread. Only the main
  // thread can deliver it, so a synchronous hold there revokes it instead of
  // waiting forever (RevokeUndeliveredLocked).
  std::unique_ptr<AsyncLockWaiter> undelivered;
  bool Busy() const { return owner != kNoOwner || async_hold != 0; }
  std::deque<SyncLockWaiter*> sync_waiters;  // FIFO
  std::deque<std::unique_ptr<AsyncLockWaiter>> async_waiters;  // FIFO
  bool grant_scheduled = false;

  ~LockState() override;
  void ResetHandles() override;
};

// The Lock behind a JS value, or nullptr (no exception thrown).
std::shared_ptr<LockState> LockFromValue(v8::Isolate* isolate, v8::Local<v8::Value> value);

// Under S().mu, for the current holder (sync or async). Hands the lock to the
// first synchronous waiter, or frees it and schedules an async grant on the
// main thread.
void ReleaseLocked(LockState& lock);
// Under S().mu: make sure the main thread tries to grant async waiters.
void ScheduleGrantLocked(LockState& lock);
// Under S().mu, on the main thread, where it would otherwise block for the
// lock: when the lock is held only by an asyncHold grant that is not yet
// delivered, put that waiter back at the head of the async queue and free the
// lock (returns true). Delivery needs the main thread, so waiting for it there
// could never end; a synchronous hold may barge ahead of async tickets.
bool RevokeUndeliveredLocked(LockState& lock);

// Queue the calling thread (id `me`) as a synchronous waiter of `lock` and
// park until ReleaseLocked makes it the owner, or shutdown. `lk` holds
// S().mu on entry and is unlocked on return.
ParkResult ParkForLock(std::unique_lock<std::mutex>& lk, LockState& lock, int me);

}  // namespace thread_shim

#endif  // THREAD_SHIM_LOCK_H_
