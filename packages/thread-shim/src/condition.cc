// Condition: wait queue tied to a Lock. A waiter joins the queue before it
// gives up the lock (both under S().mu), so a notify issued after the lock is
// released cannot be lost. notify/notifyAll wake FIFO, sync and async alike.
#include "lock.h"

namespace thread_shim {

namespace {

struct CondWaiter {
  Parker* parker = nullptr;                  // sync waiter (on its stack)
  std::unique_ptr<AsyncLockWaiter> async;    // async waiter
  std::shared_ptr<LockState> lock;           // where an async waiter re-queues
};

// Fields under S().mu.
struct CondState final : public HandleOwner {
  std::deque<std::unique_ptr<CondWaiter>> waiters;

  ~CondState() override {
    std::deque<std::unique_ptr<CondWaiter>> doomed;
    {
      std::lock_guard<std::mutex> lk(S().mu);
      for (auto& waiter : waiters) {
        if (waiter->async) S().pending_async--;  // can never be notified now
      }
      doomed.swap(waiters);
    }
  }
  void ResetHandles() override {
    std::deque<std::unique_ptr<CondWaiter>> doomed;
    std::lock_guard<std::mutex> lk(S().mu);
    doomed.swap(waiters);
    // `doomed` dies after the guard: it may hold the last LockState reference.
  }
};

struct CondHandle {
  CondState state;
  v8::Global<v8::Object> object;
};

void WeakCondHandle(const v8::WeakCallbackInfo<CondHandle>& data) {
  data.GetParameter()->object.Reset();
  data.SetSecondPassCallback(
      [](const v8::WeakCallbackInfo<CondHandle>& data) { delete data.GetParameter(); });
}

CondState* Unwrap(v8::Isolate* isolate, v8::Local<v8::Value> receiver, const char* what) {
  v8::Local<v8::FunctionTemplate> tmpl = S().condition_template.Get(isolate);
  if (!receiver->IsObject() || !tmpl->HasInstance(receiver)) {
    std::string message = std::string(what) + " called on incompatible receiver";
    ThrowTypeError(isolate, message.c_str());
    return nullptr;
  }
  return &static_cast<CondHandle*>(
              receiver.As<v8::Object>()->GetAlignedPointerFromInternalField(0))
              ->state;
}

// The Lock argument. `wait` needs a synchronous hold of the calling thread;
// `asyncWait` also accepts a live async grant that was handed to JavaScript
// (from any thread, unvalidated, as in the engine). Messages are the engine's.
std::shared_ptr<LockState> HeldLock(const v8::FunctionCallbackInfo<v8::Value>& info,
                                    const char* what, bool accept_async) {
  v8::Isolate* isolate = info.GetIsolate();
  std::shared_ptr<LockState> lock =
      info.Length() >= 1 ? LockFromValue(isolate, info[0]) : nullptr;
  if (!lock) {
    std::string message = std::string(what) + " requires a Lock argument";
    ThrowTypeError(isolate, message.c_str());
    return nullptr;
  }
  bool held;
  {
    std::lock_guard<std::mutex> lk(S().mu);
    held = lock->owner == CurrentThreadId() ||
           (accept_async && lock->async_hold != 0 && lock->async_delivered);
  }
  if (!held) {
    std::string message = std::string(what) + (accept_async
                                                   ? " requires the lock to be held"
                                                   : " requires the lock to be held by the caller");
    ThrowTypeError(isolate, message.c_str());
    return nullptr;
  }
  return lock;
}

void ConditionConstructor(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!RequireConstructCall(info, "Condition")) return;
  auto* handle = new CondHandle();
  v8::Local<v8::Object> self = info.This();
  self->SetAlignedPointerInInternalField(0, handle);
  handle->object.Reset(isolate, self);
  handle->object.SetWeak(handle, WeakCondHandle, v8::WeakCallbackType::kParameter);
}

template <typename Pred>
void RemoveWaiter(std::deque<std::unique_ptr<CondWaiter>>& q, Pred&& match) {
  for (auto it = q.begin(); it != q.end(); ++it) {
    if (match(**it)) {
      q.erase(it);  // sync waiters hold no LockState reference: safe under mu
      return;
    }
  }
}

void Wait(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  CondState* cond = Unwrap(isolate, info.This(), "Condition.prototype.wait");
  if (cond == nullptr) return;
  std::shared_ptr<LockState> lock = HeldLock(info, "Condition.prototype.wait", false);
  if (!lock) return;
  if (!CheckMayBlock(isolate, "Condition.prototype.wait")) return;
  Shim& s = S();
  int me = CurrentThreadId();
  std::unique_lock<std::mutex> lk(s.mu);
  uint64_t my_hold = lock->hold;
  Parker parker;
  auto waiter = std::make_unique<CondWaiter>();
  waiter->parker = &parker;
  // Join the queue first, then give up the lock: no lost wake-up.
  cond->waiters.push_back(std::move(waiter));
  ReleaseLocked(*lock);
  ParkResult result = Park(lk, parker, std::nullopt, [&] {
    RemoveWaiter(cond->waiters, [&](CondWaiter& w) { return w.parker == &parker; });
  });
  if (result == ParkResult::kShutdown) {
    isolate->TerminateExecution();
    return;
  }
  // Re-acquire before returning.
  lk.lock();
  // On the main thread, an undelivered asyncHold grant could never be
  // delivered while it waits here: revoke it (see RevokeUndeliveredLocked).
  if (!lock->Busy() || (IsMainThread() && RevokeUndeliveredLocked(*lock))) {
    lock->owner = me;
  } else {
    result = ParkForLock(lk, *lock, me);
    if (result == ParkResult::kShutdown) {
      isolate->TerminateExecution();
      return;
    }
    lk.lock();
  }
  lock->hold = my_hold;  // the same hold continues
  lk.unlock();
}

void AsyncWait(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  CondState* cond = Unwrap(isolate, info.This(), "Condition.prototype.asyncWait");
  if (cond == nullptr) return;
  std::shared_ptr<LockState> lock = HeldLock(info, "Condition.prototype.asyncWait", true);
  if (!lock) return;
  if (!CheckAlive(isolate)) return;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return;
  auto waiter = std::make_unique<CondWaiter>();
  waiter->async = std::make_unique<AsyncLockWaiter>();
  waiter->async->resolver.Reset(isolate, resolver);
  waiter->async->lock_object.Reset(isolate, info[0].As<v8::Object>());
  waiter->lock = lock;
  Shim& s = S();
  bool held;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    // Creating the promise may have run JavaScript (promise hooks), where a
    // release function of this hold could have been called by another thread.
    held = lock->owner == CurrentThreadId() || (lock->async_hold != 0 && lock->async_delivered);
    if (held) {
      cond->waiters.push_back(std::move(waiter));
      s.pending_async++;
      // Gives up (consumes) the current hold now: a synchronous hold's
      // epilogue then skips its release, an async grant's release function
      // throws, an asyncHold(fn) epilogue skips its release.
      ReleaseLocked(*lock);
    }
  }
  if (!held) {
    waiter.reset();  // outside mu: it holds a LockState reference
    ThrowTypeError(isolate, "Condition.prototype.asyncWait requires the lock to be held");
    return;
  }
  if (IsMainThread()) UpdateLoopRef();
  info.GetReturnValue().Set(resolver->GetPromise());
}

// Under mu: wake the first waiter. A woken async waiter re-queues on its lock
// (granted later on the main thread); the popped entry is returned so that
// the caller destroys it after releasing mu.
std::unique_ptr<CondWaiter> WakeOneLocked(CondState& cond) {
  std::unique_ptr<CondWaiter> waiter = std::move(cond.waiters.front());
  cond.waiters.pop_front();
  if (waiter->parker != nullptr) {
    Signal(*waiter->parker);
  } else {
    LockState& lock = *waiter->lock;
    lock.async_waiters.push_back(std::move(waiter->async));
    if (!lock.Busy()) ScheduleGrantLocked(lock);
  }
  return waiter;
}

void Notify(const v8::FunctionCallbackInfo<v8::Value>& info, bool all) {
  v8::Isolate* isolate = info.GetIsolate();
  CondState* cond = Unwrap(isolate, info.This(),
                           all ? "Condition.prototype.notifyAll" : "Condition.prototype.notify");
  if (cond == nullptr) return;
  std::vector<std::unique_ptr<CondWaiter>> woken;
  {
    std::lock_guard<std::mutex> lk(S().mu);
    while (!cond->waiters.empty() && (all || woken.empty())) {
      woken.push_back(WakeOneLocked(*cond));
    }
  }
  info.GetReturnValue().Set(static_cast<int>(woken.size()));
}

void NotifyOne(const v8::FunctionCallbackInfo<v8::Value>& info) { Notify(info, false); }
void NotifyAll(const v8::FunctionCallbackInfo<v8::Value>& info) { Notify(info, true); }

}  // namespace

v8::Local<v8::FunctionTemplate> CreateConditionTemplate(v8::Isolate* isolate) {
  v8::Local<v8::FunctionTemplate> tmpl =
      v8::FunctionTemplate::New(isolate, ConditionConstructor);
  tmpl->SetClassName(Str(isolate, "Condition"));
  tmpl->InstanceTemplate()->SetInternalFieldCount(1);
  v8::Local<v8::ObjectTemplate> proto = tmpl->PrototypeTemplate();
  SetMethod(isolate, proto, "wait", Wait, 1);
  SetMethod(isolate, proto, "asyncWait", AsyncWait, 1);
  SetMethod(isolate, proto, "notify", NotifyOne, 0);
  SetMethod(isolate, proto, "notifyAll", NotifyAll, 0);
  SetToStringTag(isolate, tmpl, "Condition");
  return tmpl;
}

}  // namespace thread_shim
