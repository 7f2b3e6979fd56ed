// The global lock: how the main thread and spawned threads share the one V8
// isolate, and how the main thread's libuv loop gives the lock away while it
// would otherwise sleep. See README.md, "How the global lock moves".
#include <execinfo.h>
#include <poll.h>

#include <cstdio>

#include "shim.h"

namespace thread_shim {

namespace {

Shim* g_shim = nullptr;
thread_local ThreadRecord* tls_record = nullptr;

void OnAsync(uv_async_t* handle);
void OnPrepare(uv_prepare_t* handle);

// True when V8 is handling this interrupt from inside its regular-expression
// engine: native irregexp code and the bytecode interpreter check for
// interrupts while they backtrack. Irregexp is not reentrant: a match keeps
// its backtracking state in per-isolate memory that another thread's match
// would reuse, and V8 never archives a thread in the middle of one (no JS
// runs there). So a preemption must not switch threads at that point
// (measured: three threads and main running backtracking regexps with a 1 ms
// preemption interval crashed in the irregexp backtrack on every run).
// The native frames between this callback and the first JS frame are those of
// V8's interrupt handling and of whoever checked for the interrupt
// (NativeRegExpMacroAssembler::CheckStackGuardState,
// IrregexpInterpreter::MatchInternal in V8 11.3), recognised by name in
// regexp_frames.cc. The unwinder stops at the first frame without unwind
// information, i.e. at generated code.
bool InterruptedInsideRegExp() {
  void* frames[16];
  int count = backtrace(frames, 16);
  for (int i = 1; i < count; i++) {
    if (IsRegExpEngineFrame(frames[i])) return true;
  }
  return false;
}

// Runs on whichever thread holds the global lock when the preemption timer
// fires: gives the lock to a waiting thread, then takes it back. Inside the
// regular-expression engine it does nothing: the timer asks again at its next
// tick, and the thread yields at a later stack check.
void YieldInterrupt(v8::Isolate* isolate, void*) {
  Shim& s = S();
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (s.cleaned_up || s.shutting_down || s.lock_waiters == 0) return;
    generation = s.lock_acquisitions;
  }
  if (InterruptedInsideRegExp()) {
    std::lock_guard<std::mutex> lk(s.mu);
    s.preempt_deferred++;
    return;
  }
  v8::HandleScope handles(isolate);  // see OnPrepare
  UnlockedScope unlocked(isolate);
  std::unique_lock<std::mutex> lk(s.mu);
  s.preempt_yields++;
  // Hand-off: wait until someone else got the lock (the mutex is not fair,
  // so releasing and re-taking it at once would usually win it back).
  s.acquired_cv.wait_for(lk, std::chrono::milliseconds(50), [&] {
    return s.lock_acquisitions != generation || s.lock_waiters == 0 ||
           s.shutting_down;
  });
}

void PreemptLoop() {
  Shim& s = S();
  std::unique_lock<std::mutex> lk(s.mu);
  while (s.preempt_thread_running) {
    s.preempt_cv.wait_for(lk, std::chrono::milliseconds(s.preempt_interval_ms));
    if (!s.preempt_thread_running) break;
    bool contended = s.lock_waiters > 0 && !s.shutting_down;
    if (contended) {
      lk.unlock();
      // Thread-safe; the callback runs at the lock holder's next stack check.
      s.isolate->RequestInterrupt(YieldInterrupt, nullptr);
      lk.lock();
    }
  }
}

void StopPreemptThread() {
  Shim& s = S();
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (!s.preempt_thread_running) return;
    s.preempt_thread_running = false;
  }
  s.preempt_cv.notify_all();
  s.preempt_thread.join();
}

void DrainCompletions() {
  Shim& s = S();
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (s.completions.empty() || s.cleaned_up) return;
  }
  v8::Isolate* isolate = s.isolate;
  v8::HandleScope handle_scope(isolate);
  v8::Local<v8::Context> context = s.context.Get(isolate);
  v8::Context::Scope context_scope(context);
  // Like MakeCallback: the tick queue and microtasks run when it closes.
  node::CallbackScope callback_scope(isolate, v8::Object::New(isolate), {0, 0});
  for (;;) {
    std::unique_ptr<Completion> done;
    {
      std::lock_guard<std::mutex> lk(s.mu);
      if (s.completions.empty() || s.cleaned_up) break;
      done = std::move(s.completions.front());
      s.completions.pop_front();
    }
    v8::HandleScope inner(isolate);
    done->Run(isolate, context);
  }
}

void OnAsync(uv_async_t*) {
  DrainCompletions();
  UpdateLoopRef();
}

// The main thread is about to sleep in epoll. If a spawned thread can run, do
// the sleeping here instead, without the global lock: poll the loop's backend
// fd with the time-out libuv would use, then take the lock back. I/O
// callbacks, timers and immediates therefore always run with the lock held.
void OnPrepare(uv_prepare_t*) {
  Shim& s = S();
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (s.runnable == 0 || s.shutting_down) return;
  }
  int timeout = uv_backend_timeout(s.loop);
  // Libuv calls this with no HandleScope open; V8 12.4+ (Node 22, 24) creates
  // handles when an Unlocker gives the lock back, and aborts without one.
  v8::HandleScope handles(s.isolate);
  {
    UnlockedScope unlocked(s.isolate);
    if (timeout != 0) {
      struct pollfd fd = {uv_backend_fd(s.loop), POLLIN, 0};
      // Spawned threads wake us with uv_async_send whenever they release the
      // global lock or start waiting for it; the async handle's fd is in
      // this epoll set.
      poll(&fd, 1, timeout);
    }
    // Hand-off: if a thread is waiting for the lock, let it have it before
    // taking it back (the mutex is not fair; re-locking at once would
    // usually win, and libuv might then sleep in epoll holding the lock).
    std::unique_lock<std::mutex> lk(s.mu);
    if (s.lock_waiters > 0) {
      uint64_t generation = s.lock_acquisitions;
      s.acquired_cv.wait_for(lk, std::chrono::milliseconds(20), [&] {
        return s.lock_acquisitions != generation || s.lock_waiters == 0;
      });
    }
  }
  uv_update_time(s.loop);
}

}  // namespace

HandleOwner::HandleOwner() {
  Shim& s = S();
  std::lock_guard<std::mutex> lk(s.registry_mu);
  s.handle_owners.insert(this);
}

HandleOwner::~HandleOwner() {
  Shim& s = S();
  std::lock_guard<std::mutex> lk(s.registry_mu);
  s.handle_owners.erase(this);
}

Shim& S() {
  if (g_shim == nullptr) g_shim = new Shim();
  return *g_shim;
}

bool Installed() { return g_shim != nullptr && g_shim->isolate != nullptr; }

bool IsMainThread() { return tls_record == nullptr; }

ThreadRecord* CurrentRecord() {
  return tls_record != nullptr ? tls_record : S().main_record;
}

void SetCurrentRecord(ThreadRecord* record) { tls_record = record; }

UnlockedScope::UnlockedScope(v8::Isolate* isolate) {
  unlocker_.emplace(isolate);
  // The main thread may be asleep in OnPrepare's poll: let it re-evaluate
  // (its time-out, whether the loop must stay referenced, whom to run).
  if (!IsMainThread()) WakeMain();
}

UnlockedScope::~UnlockedScope() { Relock(); }

void UnlockedScope::Relock() {
  if (!unlocker_) return;
  Shim& s = S();
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.lock_waiters++;
  }
  // The main thread may be asleep in libuv holding the lock: it releases the
  // lock only from OnPrepare, so make it run an iteration.
  if (!IsMainThread()) WakeMain();
  unlocker_.reset();  // blocks until the global lock is ours again
  NoteAcquired();
}

LockedScope::LockedScope(v8::Isolate* isolate) {
  Shim& s = S();
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.lock_waiters++;
  }
  WakeMain();  // see UnlockedScope::Relock
  locker_.emplace(isolate);
  NoteAcquired();
}

LockedScope::~LockedScope() { locker_.reset(); }

void NoteAcquired() {
  Shim& s = S();
  bool terminate;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.lock_waiters--;
    s.lock_acquisitions++;
    terminate = s.shutting_down && !IsMainThread();
  }
  s.acquired_cv.notify_all();
  // The main loop's clock stood still while its thread slept in OnPrepare;
  // timers started from this thread (setTimeout, waitAsync) count from now.
  if (!IsMainThread() && s.loop != nullptr) uv_update_time(s.loop);
  // During shutdown a spawned thread that gets the lock back only unwinds.
  if (terminate) s.isolate->TerminateExecution();
}

void Signal(Parker& parker) {
  Shim& s = S();
  if (parker.signaled) return;
  parker.signaled = true;
  if (parker.spawned) s.runnable++;
  parker.cv.notify_one();
}

void WakeMain() {
  Shim& s = S();
  if (s.async != nullptr) uv_async_send(s.async);
}

void PushCompletionLocked(std::unique_ptr<Completion> done) {
  Shim& s = S();
  if (s.cleaned_up) {
    // Too late to run; destroying it here could re-enter mu. Leak it.
    (void)done.release();
    return;
  }
  s.completions.push_back(std::move(done));
}

void PushCompletion(std::unique_ptr<Completion> done) {
  Shim& s = S();
  {
    std::lock_guard<std::mutex> lk(s.mu);
    PushCompletionLocked(std::move(done));
  }
  WakeMain();
}

void UpdateLoopRef() {
  Shim& s = S();
  bool want;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (s.cleaned_up) return;
    want = s.pending_async > 0 || s.runnable > 0 || s.timed_waiters > 0 ||
           !s.completions.empty();
  }
  if (want == s.loop_ref) return;
  s.loop_ref = want;
  if (want) {
    uv_ref(reinterpret_cast<uv_handle_t*>(s.async));
  } else {
    uv_unref(reinterpret_cast<uv_handle_t*>(s.async));
  }
}

void ConfigurePreemption(bool enabled, int interval_ms) {
  Shim& s = S();
  bool start = false;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.preempt = enabled;
    s.preempt_interval_ms = interval_ms;
    if (enabled && !s.preempt_thread_running) {
      s.preempt_thread_running = true;
      start = true;
    }
  }
  if (start) {
    LoadRegExpEngineRanges();  // read the symbol table now, not in an interrupt
    s.preempt_thread = std::thread(PreemptLoop);
  } else if (!enabled) {
    StopPreemptThread();
  } else {
    s.preempt_cv.notify_all();  // pick up the new interval
  }
}

void InitGlobalLock(v8::Isolate* isolate, v8::Local<v8::Context> context) {
  Shim& s = S();
  s.loop = node::GetCurrentEventLoop(isolate);
  s.async = new uv_async_t;
  uv_async_init(s.loop, s.async, OnAsync);
  uv_unref(reinterpret_cast<uv_handle_t*>(s.async));
  s.prepare = new uv_prepare_t;
  uv_prepare_init(s.loop, s.prepare);
  uv_prepare_start(s.prepare, OnPrepare);
  uv_unref(reinterpret_cast<uv_handle_t*>(s.prepare));
}

// Environment cleanup hook (main thread, global lock held, JS disallowed).
// Threads still alive here are parked in a blocking call that nothing can
// complete any more (a runnable thread keeps the loop alive): wake them so
// they unwind by termination, wait for their OS threads to exit, then drop
// every V8 handle the shim holds.
void ShutdownThreads(v8::Isolate* isolate) {
  Shim& s = S();
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (s.cleaned_up) return;
    s.shutting_down = true;
    for (Parker* parker : s.parked) parker->cv.notify_all();
  }
  StopPreemptThread();
  {
    v8::HandleScope handles(isolate);  // see OnPrepare
    UnlockedScope unlocked(isolate);
    std::unique_lock<std::mutex> lk(s.mu);
    bool exited = s.exit_cv.wait_for(lk, std::chrono::seconds(10),
                                     [&] { return s.os_threads == 0; });
    if (!exited) {
      fprintf(stderr,
              "@weft/thread-shim: %d thread(s) did not stop within 10 s of exit\n",
              s.os_threads);
    }
  }
  std::deque<std::unique_ptr<Completion>> completions;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.cleaned_up = true;
    completions.swap(s.completions);
  }
  completions.clear();  // Global handles inside are Reset here
  AbandonPropertyWaiters();
  std::vector<HandleOwner*> owners;
  {
    std::lock_guard<std::mutex> lk(s.registry_mu);
    owners.assign(s.handle_owners.begin(), s.handle_owners.end());
  }
  for (HandleOwner* owner : owners) owner->ResetHandles();
  s.thread_template.Reset();
  s.lock_template.Reset();
  s.condition_template.Reset();
  s.thread_local_template.Reset();
  s.concurrent_access_error.Reset();
  s.restrict_key.Reset();
  s.restrict_store_key.Reset();
  s.weak_map_ctor.Reset();
  s.weak_map_get.Reset();
  s.weak_map_set.Reset();
  s.atomics.Reset();
  s.original_atomics.clear();
  s.context.Reset();
  uv_close(reinterpret_cast<uv_handle_t*>(s.async),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  uv_close(reinterpret_cast<uv_handle_t*>(s.prepare),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_prepare_t*>(h); });
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.async = nullptr;
  }
}

// ---- small shared helpers -------------------------------------------------

v8::Local<v8::String> Str(v8::Isolate* isolate, const char* text) {
  return v8::String::NewFromUtf8(isolate, text).ToLocalChecked();
}

void SetMethod(v8::Isolate* isolate, v8::Local<v8::Template> target, const char* name,
               v8::FunctionCallback callback, int length) {
  target->Set(Str(isolate, name),
              v8::FunctionTemplate::New(isolate, callback, {}, {}, length,
                                        v8::ConstructorBehavior::kThrow),
              v8::DontEnum);
}

void SetGetter(v8::Isolate* isolate, v8::Local<v8::Template> target, const char* name,
               v8::FunctionCallback getter, v8::FunctionCallback setter) {
  v8::Local<v8::FunctionTemplate> set;
  if (setter != nullptr) {
    set = v8::FunctionTemplate::New(isolate, setter, {}, {}, 1,
                                    v8::ConstructorBehavior::kThrow);
  }
  target->SetAccessorProperty(
      Str(isolate, name),
      v8::FunctionTemplate::New(isolate, getter, {}, {}, 0,
                                v8::ConstructorBehavior::kThrow),
      set, v8::DontEnum);
}

void ThrowTypeError(v8::Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::TypeError(Str(isolate, message)));
}

void ThrowRangeError(v8::Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::RangeError(Str(isolate, message)));
}

void ThrowError(v8::Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::Error(Str(isolate, message)));
}

namespace {

// SPEC-api 4 (GetPrototypeFromConstructor): when new.target.prototype is not
// an object, the instance gets the class's own prototype; V8's API
// constructors fall back to Object.prototype instead.
void FixFallbackPrototype(const v8::FunctionCallbackInfo<v8::Value>& info,
                          const char* class_name) {
  Shim& s = S();
  v8::Local<v8::FunctionTemplate> tmpl;
  std::string name(class_name);
  if (name == "Thread") tmpl = s.thread_template.Get(info.GetIsolate());
  else if (name == "Lock") tmpl = s.lock_template.Get(info.GetIsolate());
  else if (name == "Condition") tmpl = s.condition_template.Get(info.GetIsolate());
  else if (name == "ThreadLocal") tmpl = s.thread_local_template.Get(info.GetIsolate());
  if (tmpl.IsEmpty() || !info.NewTarget()->IsObject()) return;
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Function> ctor;
  if (!tmpl->GetFunction(context).ToLocal(&ctor) || ctor->StrictEquals(info.NewTarget())) return;
  v8::Local<v8::Value> target_proto, own_proto;
  if (!info.NewTarget().As<v8::Object>()->Get(context, Str(isolate, "prototype")).ToLocal(&target_proto) ||
      target_proto->IsObject()) {
    return;
  }
  if (!ctor->Get(context, Str(isolate, "prototype")).ToLocal(&own_proto)) return;
  Ignore(info.This()->SetPrototype(context, own_proto));
}

}  // namespace

bool RequireConstructCall(const v8::FunctionCallbackInfo<v8::Value>& info,
                          const char* class_name) {
  if (info.IsConstructCall()) {
    FixFallbackPrototype(info, class_name);
    return true;
  }
  // The engine's text (JSC host constructors called as functions).
  std::string message = std::string("calling ") + class_name +
                        " constructor without new is invalid";
  ThrowTypeError(info.GetIsolate(), message.c_str());
  return false;
}

bool MayBlock() {
  Shim& s = S();
  std::lock_guard<std::mutex> lk(s.mu);
  if (!s.all_may_block) return false;
  return !IsMainThread() || s.main_may_block;
}

bool CheckMayBlock(v8::Isolate* isolate, const char* what) {
  if (MayBlock()) return true;
  // The engine's text: "<Class>.prototype.<method> cannot block the current thread".
  std::string message = std::string(what) + " cannot block the current thread";
  ThrowTypeError(isolate, message.c_str());
  return false;
}

void SetToStringTag(v8::Isolate* isolate, v8::Local<v8::FunctionTemplate> tmpl,
                    const char* tag) {
  tmpl->PrototypeTemplate()->Set(
      v8::Symbol::GetToStringTag(isolate), Str(isolate, tag),
      static_cast<v8::PropertyAttribute>(v8::DontEnum | v8::ReadOnly));
}

bool CheckAlive(v8::Isolate* isolate) {
  Shim& s = S();
  bool dead;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    dead = s.shutting_down;
  }
  if (dead) ThrowError(isolate, "The Thread API is shutting down with the process");
  return !dead;
}

}  // namespace thread_shim
