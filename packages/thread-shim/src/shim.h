// Shared state of the thread shim. See README.md ("Concurrency invariants")
// for the rules every file here follows; the short version:
//
//  * All JavaScript, every V8 API call and every libuv call on the main loop
//    happen while holding the isolate's v8::Locker (the "global lock").
//  * `Shim::mu` protects the shim's own bookkeeping (lock owners, wait queues,
//    counters). Lock order: global lock, then `mu`. Nothing waits for the
//    global lock while holding `mu`, and nothing calls into JavaScript or
//    allocates on the V8 heap while holding `mu` (so GC callbacks may take it).
//  * Promises are only settled on the main thread, from the completion queue
//    (drained by a uv_async_t callback inside a node::CallbackScope, which
//    runs microtasks afterwards).
#ifndef THREAD_SHIM_SHIM_H_
#define THREAD_SHIM_SHIM_H_

#include <node.h>
#include <uv.h>
#include <v8.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace thread_shim {

constexpr int kMainThreadId = 0;
constexpr int kMaxThreadId = 0x7ffe;
constexpr int kMaxLiveThreads = 256;
constexpr size_t kThreadStackSize = 8 * 1024 * 1024;
constexpr int kNoOwner = -1;

using Clock = std::chrono::steady_clock;

// Marks a Maybe/MaybeLocal whose failure needs no handling: the exception, if
// any, is already pending and propagates to the caller.
template <typename T>
inline void Ignore(const T&) {}

// Anything that holds v8::Global handles registers itself so that the
// environment cleanup hook can Reset them before the isolate goes away.
class HandleOwner {
 public:
  HandleOwner();
  virtual ~HandleOwner();
  virtual void ResetHandles() = 0;
};

// Work that must run on the main thread with the global lock held: settling
// promises, granting async lock holds, running asyncHold callbacks.
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void Run(v8::Isolate* isolate, v8::Local<v8::Context> context) = 0;
};

template <typename F>
class LambdaCompletion final : public Completion {
 public:
  explicit LambdaCompletion(F&& fn) : fn_(std::move(fn)) {}
  void Run(v8::Isolate* isolate, v8::Local<v8::Context> context) override {
    fn_(isolate, context);
  }

 private:
  F fn_;
};

template <typename F>
std::unique_ptr<Completion> MakeCompletion(F&& fn) {
  return std::make_unique<LambdaCompletion<F>>(std::forward<F>(fn));
}

// One blocked thread's wake-up slot. Lives on the blocked thread's stack;
// signalled under Shim::mu.
struct Parker {
  std::condition_variable cv;
  bool signaled = false;
  bool spawned = false;  // counted in Shim::runnable while not parked
};

enum class ParkResult { kSignaled, kTimedOut, kShutdown };

struct ThreadRecord;

struct Shim {
  v8::Isolate* isolate = nullptr;
  uv_loop_t* loop = nullptr;
  v8::Global<v8::Context> context;

  std::mutex mu;

  // --- counters, under mu -------------------------------------------------
  int live_threads = 0;      // spawned threads whose function has not finished
  int os_threads = 0;        // spawned OS threads that have not exited yet
  int runnable = 0;          // spawned threads running or wanting the global lock
  int timed_waiters = 0;     // parked threads with a finite time-out
  int pending_async = 0;     // unsettled asyncJoin/asyncHold/asyncWait/waitAsync
  int lock_waiters = 0;      // threads blocked acquiring the global lock
  uint64_t lock_acquisitions = 0;
  std::condition_variable acquired_cv;  // signalled on each acquisition
  std::condition_variable exit_cv;      // signalled when an OS thread exits
  int next_thread_id = 1;
  bool shutting_down = false;
  bool cleaned_up = false;
  std::vector<Parker*> parked;  // for shutdown

  // --- options, written on main under mu ----------------------------------
  bool main_may_block = true;
  bool all_may_block = true;  // false: no thread may block (the engine's --can-block-is-false)
  int max_live_threads = kMaxLiveThreads;  // option maxThreads (the engine's maxJSThreads)
  bool preempt = false;
  int preempt_interval_ms = 5;

  // --- main-loop integration (main thread only) ----------------------------
  uv_async_t* async = nullptr;
  uv_prepare_t* prepare = nullptr;
  bool loop_ref = false;
  std::deque<std::unique_ptr<Completion>> completions;  // under mu

  // --- preemption timer ---------------------------------------------------
  std::thread preempt_thread;
  bool preempt_thread_running = false;
  std::condition_variable preempt_cv;
  uint64_t preempt_yields = 0;    // interrupts that gave the lock away (under mu)
  uint64_t preempt_deferred = 0;  // interrupts that landed inside the regexp engine (under mu)

  // --- JS-side objects (global lock) --------------------------------------
  v8::Global<v8::FunctionTemplate> thread_template;
  v8::Global<v8::FunctionTemplate> lock_template;
  v8::Global<v8::FunctionTemplate> condition_template;
  v8::Global<v8::FunctionTemplate> thread_local_template;
  v8::Global<v8::Function> concurrent_access_error;
  v8::Global<v8::Private> restrict_key;
  v8::Global<v8::Private> restrict_store_key;  // values behind a restricted object's checked properties
  v8::Global<v8::Function> weak_map_ctor;
  v8::Global<v8::Function> weak_map_get;
  v8::Global<v8::Function> weak_map_set;
  v8::Global<v8::Object> atomics;
  std::vector<v8::Global<v8::Function>> original_atomics;

  ThreadRecord* main_record = nullptr;

  std::mutex registry_mu;  // leaf lock: no V8 calls while holding it
  std::set<HandleOwner*> handle_owners;
};

// The process-wide shim (heap allocated, never destroyed: threads may still
// touch it while the process exits).
Shim& S();
bool Installed();

// regexp_frames.cc: whether a return address lies in V8's regular-expression
// engine (by dynamic symbol, or by the executable's .symtab where the binary
// exports none, as npm's Node 24 does). Load reads the table once.
void LoadRegExpEngineRanges();
size_t RegExpEngineRangeCount();
bool IsRegExpEngineFrame(void* address);

// Thread identity.
bool IsMainThread();
ThreadRecord* CurrentRecord();  // main_record on the main thread
int CurrentThreadId();
void SetCurrentRecord(ThreadRecord* record);

// Global-lock helpers.
// Drops the global lock for its lifetime (re-acquires in Relock / dtor).
class UnlockedScope {
 public:
  explicit UnlockedScope(v8::Isolate* isolate);
  ~UnlockedScope();
  void Relock();

 private:
  std::optional<v8::Unlocker> unlocker_;
};

// Takes the global lock on a spawned thread, counting it as a lock waiter.
class LockedScope {
 public:
  explicit LockedScope(v8::Isolate* isolate);
  ~LockedScope();

 private:
  std::optional<v8::Locker> locker_;
};

void NoteAcquired();  // after any acquisition of the global lock

// Parks the calling thread. Called with the global lock held and `lk` (on
// S().mu) locked, after `parker` was made findable by its waker. Drops the
// global lock while parked. `on_abandon` runs under mu when the park ends
// without a signal (time-out or shutdown) and must unlink the parker.
// Returns with the global lock held and `lk` unlocked.
template <typename Abandon>
ParkResult Park(std::unique_lock<std::mutex>& lk, Parker& parker,
                std::optional<Clock::time_point> deadline, Abandon&& on_abandon);

// Wakes a parker (S().mu held).
void Signal(Parker& parker);

// Main-loop helpers.
void WakeMain();                                        // any thread
void PushCompletion(std::unique_ptr<Completion> done);  // mu NOT held
void PushCompletionLocked(std::unique_ptr<Completion> done);  // mu held
void UpdateLoopRef();                                   // main thread only
// Runs `fn(isolate, context)` on the main thread inside a CallbackScope.
void RunInCallbackScope(void (*fn)(void*), void* data);

// Errors.
void ThrowTypeError(v8::Isolate* isolate, const char* message);
void ThrowRangeError(v8::Isolate* isolate, const char* message);
void ThrowError(v8::Isolate* isolate, const char* message);
bool RequireConstructCall(const v8::FunctionCallbackInfo<v8::Value>& info,
                          const char* class_name);
// Whether the calling thread may block (options mainThreadMayBlock, canBlock).
bool MayBlock();
// TypeError "<what> cannot block the current thread" when it may not.
bool CheckMayBlock(v8::Isolate* isolate, const char* what);
// Symbol.toStringTag on the prototype (non-enumerable, read-only).
void SetToStringTag(v8::Isolate* isolate, v8::Local<v8::FunctionTemplate> tmpl,
                    const char* tag);
// Throws TypeError and returns false after the shim was torn down.
bool CheckAlive(v8::Isolate* isolate);

v8::Local<v8::String> Str(v8::Isolate* isolate, const char* text);
// A non-enumerable method, like a class method.
void SetMethod(v8::Isolate* isolate, v8::Local<v8::Template> target, const char* name,
               v8::FunctionCallback callback, int length);
void SetGetter(v8::Isolate* isolate, v8::Local<v8::Template> target, const char* name,
               v8::FunctionCallback getter, v8::FunctionCallback setter = nullptr);

// Thread.restrict: throws ConcurrentAccessError when `object` is pinned to
// another thread. Returns false when it threw.
bool CheckRestriction(v8::Isolate* isolate, v8::Local<v8::Context> context,
                      v8::Local<v8::Object> object, const char* what);
// Throws a ConcurrentAccessError (the class captured at install).
void ThrowConcurrentAccess(v8::Isolate* isolate, v8::Local<v8::Context> context,
                           const char* message);

// Per-class setup, called once from install.
void InitGlobalLock(v8::Isolate* isolate, v8::Local<v8::Context> context);
void ConfigurePreemption(bool enabled, int interval_ms);
v8::Local<v8::FunctionTemplate> CreateThreadTemplate(v8::Isolate* isolate);
v8::Local<v8::FunctionTemplate> CreateLockTemplate(v8::Isolate* isolate);
v8::Local<v8::FunctionTemplate> CreateConditionTemplate(v8::Isolate* isolate);
v8::Local<v8::FunctionTemplate> CreateThreadLocalTemplate(v8::Isolate* isolate);
void InstallPropertyAtomics(v8::Isolate* isolate, v8::Local<v8::Context> context,
                            v8::Local<v8::Object> atomics);
ThreadRecord* CreateMainRecord(v8::Isolate* isolate);
// Thread-local storage object (a WeakMap) of the calling thread.
v8::MaybeLocal<v8::Object> CurrentLocals(v8::Isolate* isolate,
                                         v8::Local<v8::Context> context);

// Cleanup, on the main thread, from the environment cleanup hook.
void ShutdownThreads(v8::Isolate* isolate);
void AbandonPropertyWaiters();

// ---- template implementation ----------------------------------------------

template <typename Abandon>
ParkResult Park(std::unique_lock<std::mutex>& lk, Parker& parker,
                std::optional<Clock::time_point> deadline, Abandon&& on_abandon) {
  Shim& s = S();
  parker.spawned = !IsMainThread();
  if (parker.spawned) s.runnable--;
  if (deadline) s.timed_waiters++;
  s.parked.push_back(&parker);
  UnlockedScope unlocked(s.isolate);
  ParkResult result;
  for (;;) {
    if (parker.signaled) {
      result = ParkResult::kSignaled;
      break;
    }
    if (s.shutting_down) {
      result = ParkResult::kShutdown;
      break;
    }
    if (deadline) {
      if (parker.cv.wait_until(lk, *deadline) == std::cv_status::timeout &&
          !parker.signaled && !s.shutting_down) {
        result = ParkResult::kTimedOut;
        break;
      }
    } else {
      parker.cv.wait(lk);
    }
  }
  for (auto it = s.parked.begin(); it != s.parked.end(); ++it) {
    if (*it == &parker) {
      s.parked.erase(it);
      break;
    }
  }
  if (result != ParkResult::kSignaled) {
    on_abandon();
    if (parker.spawned) s.runnable++;
  }
  if (deadline) s.timed_waiters--;
  lk.unlock();
  // A thread that woke by itself may find the main thread asleep in libuv
  // (it only yields the global lock while some thread is runnable).
  if (result == ParkResult::kTimedOut && parker.spawned) WakeMain();
  unlocked.Relock();
  return result;
}

}  // namespace thread_shim

#endif  // THREAD_SHIM_SHIM_H_
