// Lock: a non-reentrant mutual-exclusion lock. hold(fn) blocks (dropping the
// global lock) when contended; asyncHold is granted at registration when the
// lock is free, else on the main thread, FIFO among async waiters, and always
// delivered on the main thread. Synchronous waiters are served before async
// ones (the spec lets a synchronous hold barge): a parked thread can always
// run, while an async grant needs the main thread, which may itself be
// blocked. For the same reason the main thread never waits for a grant that
// is not delivered yet: it revokes it (RevokeUndeliveredLocked).
#include "lock.h"

namespace thread_shim {

namespace {

struct LockHandle {
  std::shared_ptr<LockState> state;
  v8::Global<v8::Object> object;
};

void WeakLockHandle(const v8::WeakCallbackInfo<LockHandle>& data) {
  LockHandle* handle = data.GetParameter();
  handle->object.Reset();
  data.SetSecondPassCallback(
      [](const v8::WeakCallbackInfo<LockHandle>& data) { delete data.GetParameter(); });
}

LockState* Unwrap(v8::Isolate* isolate, v8::Local<v8::Value> receiver, const char* what) {
  std::shared_ptr<LockState> lock = LockFromValue(isolate, receiver);
  if (!lock) {
    std::string message = std::string(what) + " called on incompatible receiver";
    ThrowTypeError(isolate, message.c_str());
    return nullptr;
  }
  return lock.get();  // kept alive by the receiver
}

v8::MaybeLocal<v8::Function> MakeReleaseFunction(v8::Isolate* isolate,
                                                 v8::Local<v8::Context> context,
                                                 v8::Local<v8::Object> lock_object,
                                                 uint64_t serial);

// Main thread, on a later turn than the registration: hands a granted async
// hold to JavaScript. With a function: runs it holding the lock, releases
// (unless Condition.asyncWait consumed the hold) and settles with its result.
// Without: resolves with a release function. Returns false when the callback
// was terminated (the promise then stays pending, as in the engine).
bool DeliverGrant(v8::Isolate* isolate, v8::Local<v8::Context> context,
                  const std::shared_ptr<LockState>& lock, AsyncLockWaiter& waiter,
                  uint64_t serial) {
  Shim& s = S();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Promise::Resolver> resolver = waiter.resolver.Get(isolate);
  if (!waiter.fn.IsEmpty()) {
    {
      std::lock_guard<std::mutex> lk(s.mu);
      lock->async_delivered = true;
      lock->grant_running = true;
    }
    v8::TryCatch try_catch(isolate);
    v8::MaybeLocal<v8::Value> result =
        waiter.fn.Get(isolate)->Call(context, v8::Undefined(isolate), 0, nullptr);
    {
      std::lock_guard<std::mutex> lk(s.mu);
      if (lock->async_hold == serial) {
        ReleaseLocked(*lock);  // the implicit release after fn
      }
    }
    if (result.IsEmpty()) {
      if (try_catch.HasTerminated()) {
        try_catch.ReThrow();
        return false;
      }
      Ignore(resolver->Reject(context, try_catch.Exception()));
    } else {
      Ignore(resolver->Resolve(context, result.ToLocalChecked()));
    }
    return true;
  }
  v8::Local<v8::Function> release;
  if (!MakeReleaseFunction(isolate, context, waiter.lock_object.Get(isolate), serial)
           .ToLocal(&release)) {
    std::lock_guard<std::mutex> lk(s.mu);
    if (lock->async_hold == serial) ReleaseLocked(*lock);
    return false;
  }
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (lock->async_hold == serial) lock->async_delivered = true;
  }
  Ignore(resolver->Resolve(context, release));
  return true;
}

// Main thread: grant the lock to queued async waiters while it is free, FIFO.
void GrantAsync(v8::Isolate* isolate, v8::Local<v8::Context> context,
                const std::shared_ptr<LockState>& lock) {
  Shim& s = S();
  {
    std::lock_guard<std::mutex> lk(s.mu);
    lock->grant_scheduled = false;
  }
  for (;;) {
    std::unique_ptr<AsyncLockWaiter> waiter;
    uint64_t serial;
    {
      std::lock_guard<std::mutex> lk(s.mu);
      if (lock->Busy() || lock->async_waiters.empty()) return;
      waiter = std::move(lock->async_waiters.front());
      lock->async_waiters.pop_front();
      serial = lock->async_hold = ++lock->last_hold;
      lock->async_delivered = false;
      s.pending_async--;
    }
    if (!DeliverGrant(isolate, context, lock, *waiter, serial)) return;
  }
}

// The function an asyncHold() / asyncWait() promise resolves to: releases its
// own grant, exactly once.
void ReleaseFunction(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Array> data = info.Data().As<v8::Array>();
  v8::Local<v8::Value> called, lock_object, serial_value;
  if (!data->Get(context, 2).ToLocal(&called) || !data->Get(context, 0).ToLocal(&lock_object) ||
      !data->Get(context, 1).ToLocal(&serial_value)) {
    return;
  }
  std::shared_ptr<LockState> lock = LockFromValue(isolate, lock_object);
  auto serial = static_cast<uint64_t>(serial_value.As<v8::Number>()->Value());
  bool released = false;
  if (!called->IsTrue()) {
    std::lock_guard<std::mutex> lk(S().mu);
    // A hold given up by Condition.asyncWait is consumed: no longer ours.
    if (lock->async_hold == serial) {
      ReleaseLocked(*lock);
      released = true;
    }
  }
  if (!released) {
    ThrowError(isolate, "Lock release function called more than once");
    return;
  }
  Ignore(data->Set(context, 2, v8::True(isolate)));
}

v8::MaybeLocal<v8::Function> MakeReleaseFunction(v8::Isolate* isolate,
                                                 v8::Local<v8::Context> context,
                                                 v8::Local<v8::Object> lock_object,
                                                 uint64_t serial) {
  v8::Local<v8::Value> elements[] = {
      lock_object, v8::Number::New(isolate, static_cast<double>(serial)),
      v8::False(isolate)};
  v8::Local<v8::Array> data = v8::Array::New(isolate, elements, 3);
  v8::Local<v8::Function> release;
  if (!v8::Function::New(context, ReleaseFunction, data, 0, v8::ConstructorBehavior::kThrow)
           .ToLocal(&release)) {
    return {};
  }
  release->SetName(Str(isolate, "release"));
  return release;
}

void LockConstructor(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!RequireConstructCall(info, "Lock")) return;
  auto* handle = new LockHandle();
  handle->state = std::make_shared<LockState>();
  v8::Local<v8::Object> self = info.This();
  self->SetAlignedPointerInInternalField(0, handle);
  handle->object.Reset(isolate, self);
  handle->object.SetWeak(handle, WeakLockHandle, v8::WeakCallbackType::kParameter);
}

void Hold(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  LockState* lock = Unwrap(isolate, info.This(), "Lock.prototype.hold");
  if (lock == nullptr) return;
  if (info.Length() < 1 || !info[0]->IsFunction()) {
    ThrowTypeError(isolate, "Lock.prototype.hold requires a callable argument");
    return;
  }
  Shim& s = S();
  int me = CurrentThreadId();
  uint64_t my_serial;
  std::unique_lock<std::mutex> lk(s.mu);
  // Held by this thread: a synchronous hold, or an asyncHold(fn) callback
  // running here (its only release point is after it returns).
  if (lock->owner == me || (lock->grant_running && lock->async_hold != 0 && IsMainThread())) {
    lk.unlock();
    ThrowError(isolate, "Lock is not recursive");
    return;
  }
  if (!lock->Busy()) {
    // Uncontended: never blocks, always allowed.
    lock->owner = me;
    my_serial = lock->NewHold();
    lk.unlock();
  } else {
    lk.unlock();
    if (!CheckMayBlock(isolate, "Lock.prototype.hold")) return;
    lk.lock();
    if (!lock->Busy() || (IsMainThread() && RevokeUndeliveredLocked(*lock))) {
      lock->owner = me;
      my_serial = lock->NewHold();
      lk.unlock();
    } else {
      ParkResult result = ParkForLock(lk, *lock, me);
      if (result == ParkResult::kShutdown) {
        isolate->TerminateExecution();
        return;
      }
      // ReleaseLocked made us the owner before signalling.
      lk.lock();
      my_serial = lock->hold;
      lk.unlock();
    }
  }
  v8::TryCatch try_catch(isolate);
  v8::MaybeLocal<v8::Value> result = info[0].As<v8::Function>()->Call(
      isolate->GetCurrentContext(), v8::Undefined(isolate), 0, nullptr);
  {
    std::lock_guard<std::mutex> guard(s.mu);
    // Released even when fn threw or was terminated; not if the hold was
    // given up (Condition.asyncWait consumed it).
    if (lock->owner == me && lock->hold == my_serial) ReleaseLocked(*lock);
  }
  if (result.IsEmpty()) {
    try_catch.ReThrow();
    return;
  }
  info.GetReturnValue().Set(result.ToLocalChecked());
}

void AsyncHold(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  LockState* lock = Unwrap(isolate, info.This(), "Lock.prototype.asyncHold");
  if (lock == nullptr) return;
  bool has_fn = info.Length() >= 1 && !info[0]->IsUndefined();
  if (has_fn && !info[0]->IsFunction()) {
    ThrowTypeError(isolate,
                   "Lock.prototype.asyncHold requires a callable argument when one is provided");
    return;
  }
  Shim& s = S();
  bool recursive;
  {
    // Only a synchronous hold of the caller's counts: an async-held lock is
    // not "recursive", the new ticket simply queues.
    std::lock_guard<std::mutex> lk(s.mu);
    recursive = lock->owner == CurrentThreadId();
  }
  if (recursive) {
    ThrowError(isolate, "Lock is not recursive");
    return;
  }
  if (!CheckAlive(isolate)) return;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return;
  auto waiter = std::make_unique<AsyncLockWaiter>();
  waiter->resolver.Reset(isolate, resolver);
  if (has_fn) waiter->fn.Reset(isolate, info[0].As<v8::Function>());
  waiter->lock_object.Reset(isolate, info.This());
  std::shared_ptr<LockState> state = LockFromValue(isolate, info.This());
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.pending_async++;
    if (!state->Busy() && state->async_waiters.empty()) {
      // Granted at once (the lock reads held from now on); handed to
      // JavaScript on a later turn, on the main thread. Until then the waiter
      // stays in `undelivered`, where a main-thread hold can revoke it.
      uint64_t serial = state->async_hold = ++state->last_hold;
      state->async_delivered = false;
      state->undelivered = std::move(waiter);
      PushCompletionLocked(MakeCompletion(
          [state, serial](v8::Isolate* isolate, v8::Local<v8::Context> context) {
            std::unique_ptr<AsyncLockWaiter> granted;
            {
              std::lock_guard<std::mutex> lk(S().mu);
              if (state->async_hold == serial && state->undelivered) {
                granted = std::move(state->undelivered);
                S().pending_async--;
              }
            }
            // Revoked: the waiter is back in the async queue (still pending)
            // and is granted when the barging hold releases.
            if (!granted) return;
            if (DeliverGrant(isolate, context, state, *granted, serial)) {
              // A function-form grant released the lock: serve the queue.
              GrantAsync(isolate, context, state);
            }
          }));
    } else {
      state->async_waiters.push_back(std::move(waiter));
    }
  }
  WakeMain();
  if (IsMainThread()) UpdateLoopRef();
  info.GetReturnValue().Set(resolver->GetPromise());
}

void LockedGetter(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  LockState* lock = Unwrap(isolate, info.This(), "Lock.prototype.locked");
  if (lock == nullptr) return;
  std::lock_guard<std::mutex> lk(S().mu);
  info.GetReturnValue().Set(lock->Busy());
}

}  // namespace

LockState::~LockState() {
  Shim& s = S();
  std::lock_guard<std::mutex> lk(s.mu);
  // Unreachable waiters will never settle: stop counting them as pending.
  s.pending_async -= static_cast<int>(async_waiters.size()) + (undelivered ? 1 : 0);
}

void LockState::ResetHandles() {
  std::deque<std::unique_ptr<AsyncLockWaiter>> waiters;
  std::unique_ptr<AsyncLockWaiter> granted;
  {
    std::lock_guard<std::mutex> lk(S().mu);
    waiters.swap(async_waiters);
    granted = std::move(undelivered);
  }
}

std::shared_ptr<LockState> LockFromValue(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::Local<v8::FunctionTemplate> tmpl = S().lock_template.Get(isolate);
  if (!value->IsObject() || !tmpl->HasInstance(value)) return nullptr;
  auto* handle = static_cast<LockHandle*>(
      value.As<v8::Object>()->GetAlignedPointerFromInternalField(0));
  return handle->state;
}

void ReleaseLocked(LockState& lock) {
  lock.async_hold = 0;
  lock.async_delivered = false;
  lock.grant_running = false;
  if (!lock.sync_waiters.empty()) {
    SyncLockWaiter* next = lock.sync_waiters.front();
    lock.sync_waiters.pop_front();
    lock.owner = next->thread_id;  // direct hand-off: no one can barge in
    lock.NewHold();
    Signal(next->parker);
    return;
  }
  lock.owner = kNoOwner;
  lock.hold = 0;
  if (!lock.async_waiters.empty()) ScheduleGrantLocked(lock);
}

bool RevokeUndeliveredLocked(LockState& lock) {
  if (lock.owner != kNoOwner || lock.async_hold == 0 || lock.async_delivered ||
      !lock.undelivered) {
    return false;
  }
  // Still first among async tickets: FIFO is kept. Its queued delivery finds
  // the grant gone and does nothing; the barging hold's release schedules
  // the grant (ReleaseLocked).
  lock.async_waiters.push_front(std::move(lock.undelivered));
  lock.async_hold = 0;
  return true;
}

ParkResult ParkForLock(std::unique_lock<std::mutex>& lk, LockState& lock, int me) {
  SyncLockWaiter waiter;
  waiter.thread_id = me;
  lock.sync_waiters.push_back(&waiter);
  return Park(lk, waiter.parker, std::nullopt, [&] {
    auto& q = lock.sync_waiters;
    for (auto it = q.begin(); it != q.end(); ++it) {
      if (*it == &waiter) {
        q.erase(it);
        break;
      }
    }
  });
}

void ScheduleGrantLocked(LockState& lock) {
  if (lock.grant_scheduled) return;
  lock.grant_scheduled = true;
  std::shared_ptr<LockState> self = lock.shared_from_this();
  PushCompletionLocked(MakeCompletion(
      [self](v8::Isolate* isolate, v8::Local<v8::Context> context) {
        GrantAsync(isolate, context, self);
      }));
  WakeMain();
}

v8::Local<v8::FunctionTemplate> CreateLockTemplate(v8::Isolate* isolate) {
  v8::Local<v8::FunctionTemplate> tmpl = v8::FunctionTemplate::New(isolate, LockConstructor);
  tmpl->SetClassName(Str(isolate, "Lock"));
  tmpl->InstanceTemplate()->SetInternalFieldCount(1);
  v8::Local<v8::ObjectTemplate> proto = tmpl->PrototypeTemplate();
  SetMethod(isolate, proto, "hold", Hold, 1);
  SetMethod(isolate, proto, "asyncHold", AsyncHold, 0);
  SetGetter(isolate, proto, "locked", LockedGetter);
  SetToStringTag(isolate, tmpl, "Lock");
  return tmpl;
}

}  // namespace thread_shim
