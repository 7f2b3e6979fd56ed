// Lock state shared by Lock (lock.cc) and Condition (condition.cc).
#ifndef THREAD_SHIM_LOCK_H_
#define THREAD_SHIM_LOCK_H_

#include "shim.h"

namespace thread_shim {

struct SyncLockWaiter {
  Parker parker;
  int thread_id = kNoOwner;
};

// An asyncHold / asyncWait that waits to be granted the lock on the main
// thread. `fn` empty: resolve with a release function.
struct AsyncLockWaiter {
  v8::Global<v8::Promise::Resolver> resolver;
  v8::Global<v8::Function> fn;
  v8::Global<v8::Object> lock_object;
};

// All fields under S().mu.
struct LockState final : public HandleOwner,
                         public std::enable_shared_from_this<LockState> {
  int owner = kNoOwner;  // thread id; async grants are owned by the main thread
  // Identity of the current hold (0: free). A Condition.wait re-acquires the
  // lock under the same identity it gave up, so the hold that called it can
  // still release; every grant gets a fresh one from `last_hold`.
  uint64_t hold = 0;
  uint64_t last_hold = 0;
  uint64_t NewHold() { return hold = ++last_hold; }
  std::deque<SyncLockWaiter*> sync_waiters;  // FIFO
  std::deque<std::unique_ptr<AsyncLockWaiter>> async_waiters;  // FIFO
  bool grant_scheduled = false;

  ~LockState() override;
  void ResetHandles() override;
};

// The Lock behind a JS value, or nullptr (no exception thrown).
std::shared_ptr<LockState> LockFromValue(v8::Isolate* isolate, v8::Local<v8::Value> value);

// Under S().mu, by the holder. Hands the lock to the first synchronous waiter,
// or frees it and schedules an async grant on the main thread.
void ReleaseLocked(LockState& lock);
// Under S().mu: make sure the main thread tries to grant async waiters.
void ScheduleGrantLocked(LockState& lock);

}  // namespace thread_shim

#endif  // THREAD_SHIM_LOCK_H_
