// Atomics on ordinary object properties: Atomics.op(object, key, ...) next to
// Atomics.op(typedArray, index, ...), which is delegated to the original
// functions. Each operation runs in native code with the global lock held and
// without calling into JavaScript between its read and its write (operands
// are converted first), so it is sequentially consistent for its
// (object, key) pair even under preemption.
#include <cmath>
#include <limits>

#include "shim.h"

namespace thread_shim {

namespace {

enum Op { kLoad, kStore, kExchange, kCompareExchange, kAdd, kSub, kAnd, kOr, kXor,
          kWait, kWaitAsync, kNotify, kOpCount };

const char* const kOpNames[kOpCount] = {
    "load", "store", "exchange", "compareExchange", "add", "sub", "and", "or", "xor",
    "wait", "waitAsync", "notify"};
const int kOpLengths[kOpCount] = {2, 3, 3, 4, 3, 3, 3, 3, 3, 4, 4, 3};

// A thread waiting in Atomics.wait / waitAsync on a property. Sync waiters
// live on their thread's stack, async ones on the heap (freed on main).
struct PropWaiter {
  v8::Global<v8::Object> object;
  v8::Global<v8::Name> key;
  Parker* parker = nullptr;
  v8::Global<v8::Promise::Resolver> resolver;
  uv_timer_t* timer = nullptr;
};

// Under S().mu. Entries are only freed by a thread holding the global lock.
std::list<PropWaiter*>* g_waiters = new std::list<PropWaiter*>();

bool Unlink(PropWaiter* waiter) {
  for (auto it = g_waiters->begin(); it != g_waiters->end(); ++it) {
    if (*it == waiter) {
      g_waiters->erase(it);
      return true;
    }
  }
  return false;
}

void FreeAsyncWaiter(PropWaiter* waiter) {
  waiter->object.Reset();
  waiter->key.Reset();
  waiter->resolver.Reset();
  if (waiter->timer != nullptr) {
    uv_timer_stop(waiter->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(waiter->timer),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }
  delete waiter;
}

void ResolveAsyncWaiter(v8::Isolate* isolate, v8::Local<v8::Context> context,
                        PropWaiter* waiter, const char* outcome) {
  {
    std::lock_guard<std::mutex> lk(S().mu);
    S().pending_async--;
  }
  v8::Local<v8::Promise::Resolver> resolver = waiter->resolver.Get(isolate);
  FreeAsyncWaiter(waiter);
  Ignore(resolver->Resolve(context, Str(isolate, outcome)));
}

void OnWaitTimeout(uv_timer_t* timer) {
  auto* waiter = static_cast<PropWaiter*>(timer->data);
  bool expired;
  {
    std::lock_guard<std::mutex> lk(S().mu);
    expired = Unlink(waiter);  // else a notify already owns it
  }
  if (!expired) return;
  v8::Isolate* isolate = S().isolate;
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = S().context.Get(isolate);
  v8::Context::Scope context_scope(context);
  node::CallbackScope callback_scope(isolate, v8::Object::New(isolate), {0, 0});
  ResolveAsyncWaiter(isolate, context, waiter, "timed-out");
  UpdateLoopRef();
}

struct Target {
  v8::Local<v8::Object> object;
  v8::Local<v8::Name> key;
};

bool ResolveTarget(const v8::FunctionCallbackInfo<v8::Value>& info, Op op, Target* target) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  target->object = info[0].As<v8::Object>();
  if (target->object->IsProxy()) {
    std::string message = std::string("Atomics.") + kOpNames[op] +
                          " on object properties does not accept a Proxy";
    ThrowTypeError(isolate, message.c_str());
    return false;
  }
  v8::Local<v8::Value> key = info.Length() >= 2 ? info[1] : v8::Undefined(isolate).As<v8::Value>();
  if (key->IsSymbol()) {
    target->key = key.As<v8::Name>();
  } else {
    v8::Local<v8::String> name;
    if (!key->ToString(context).ToLocal(&name)) return false;
    target->key = name;
  }
  std::string what = std::string("Atomics.") + kOpNames[op];
  return CheckRestriction(isolate, context, target->object, what.c_str());
}

enum class OwnKind { kMissing, kAccessor, kData };

// What the object has under the key, without running JavaScript: an own data
// property (its value and whether it is writable), an accessor, or nothing
// (an inherited property counts as nothing).
bool Inspect(v8::Local<v8::Context> context, const Target& target, OwnKind* kind,
             v8::Local<v8::Value>* value, bool* writable) {
  // The own property descriptor of an ordinary object (Proxies were refused)
  // is read without calling getters or any other JavaScript.
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Value> descriptor;
  if (!target.object->GetOwnPropertyDescriptor(context, target.key).ToLocal(&descriptor)) {
    return false;
  }
  if (!descriptor->IsObject()) {
    *kind = OwnKind::kMissing;
    return true;
  }
  v8::Local<v8::Object> fields = descriptor.As<v8::Object>();
  bool has_value;
  if (!fields->HasOwnProperty(context, Str(isolate, "value")).To(&has_value)) return false;
  if (!has_value) {
    *kind = OwnKind::kAccessor;
    return true;
  }
  v8::Local<v8::Value> writable_field;
  if (!fields->Get(context, Str(isolate, "value")).ToLocal(value) ||
      !fields->Get(context, Str(isolate, "writable")).ToLocal(&writable_field)) {
    return false;
  }
  *kind = OwnKind::kData;
  *writable = writable_field->IsTrue();
  return true;
}

// Reads the own data property that load, wait and waitAsync require.
bool ReadOwnData(v8::Isolate* isolate, v8::Local<v8::Context> context, const Target& target,
                 v8::Local<v8::Value>* value) {
  OwnKind kind;
  bool writable;
  if (!Inspect(context, target, &kind, value, &writable)) return false;
  if (kind != OwnKind::kData) {
    ThrowTypeError(isolate, "Atomics.load: object has no own property");
    return false;
  }
  return true;
}

bool WriteOwnData(v8::Local<v8::Context> context, const Target& target,
                  v8::Local<v8::Value> value) {
  return target.object->Set(context, target.key, value).IsJust();
}

bool SameValueZero(v8::Local<v8::Value> a, v8::Local<v8::Value> b) {
  if (a->IsNumber() && b->IsNumber()) {
    double x = a.As<v8::Number>()->Value();
    double y = b.As<v8::Number>()->Value();
    return x == y || (std::isnan(x) && std::isnan(y));
  }
  return a->SameValue(b);
}

// ToNumber(timeout), NaN/undefined -> +Infinity, negative -> 0 (milliseconds).
bool ReadTimeout(v8::Local<v8::Context> context, const v8::FunctionCallbackInfo<v8::Value>& info,
                 double* timeout) {
  *timeout = std::numeric_limits<double>::infinity();
  if (info.Length() < 4 || info[3]->IsUndefined()) return true;
  double t;
  if (!info[3]->NumberValue(context).To(&t)) return false;
  if (std::isnan(t)) return true;
  *timeout = t < 0 ? 0 : t;
  return true;
}

void PropertyWait(const v8::FunctionCallbackInfo<v8::Value>& info, const Target& target) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  double timeout;
  if (!ReadTimeout(context, info, &timeout)) return;
  v8::Local<v8::Value> current;
  if (!ReadOwnData(isolate, context, target, &current)) return;
  v8::Local<v8::Value> expected = info.Length() >= 3 ? info[2] : v8::Undefined(isolate).As<v8::Value>();
  if (!SameValueZero(current, expected)) {
    info.GetReturnValue().Set(Str(isolate, "not-equal"));
    return;
  }
  // The gate guards the block, not the call (a mismatch above never blocks).
  if (!MayBlock()) {
    ThrowTypeError(isolate, "Atomics.wait cannot be called from the current thread.");
    return;
  }
  std::optional<Clock::time_point> deadline;
  if (std::isfinite(timeout)) {
    deadline = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(timeout * 1000));
  }
  PropWaiter waiter;
  Parker parker;
  waiter.object.Reset(isolate, target.object);
  waiter.key.Reset(isolate, target.key);
  waiter.parker = &parker;
  Shim& s = S();
  std::unique_lock<std::mutex> lk(s.mu);
  g_waiters->push_back(&waiter);
  ParkResult result = Park(lk, parker, deadline, [&] { Unlink(&waiter); });
  waiter.object.Reset();
  waiter.key.Reset();
  switch (result) {
    case ParkResult::kSignaled:
      info.GetReturnValue().Set(Str(isolate, "ok"));
      break;
    case ParkResult::kTimedOut:
      info.GetReturnValue().Set(Str(isolate, "timed-out"));
      break;
    case ParkResult::kShutdown:
      isolate->TerminateExecution();
      break;
  }
}

void SetResult(v8::Isolate* isolate, v8::Local<v8::Context> context,
               const v8::FunctionCallbackInfo<v8::Value>& info, bool async,
               v8::Local<v8::Value> value) {
  v8::Local<v8::Object> result = v8::Object::New(isolate);
  if (result->CreateDataProperty(context, Str(isolate, "async"), v8::Boolean::New(isolate, async))
          .IsNothing() ||
      result->CreateDataProperty(context, Str(isolate, "value"), value).IsNothing()) {
    return;
  }
  info.GetReturnValue().Set(result);
}

void PropertyWaitAsync(const v8::FunctionCallbackInfo<v8::Value>& info, const Target& target) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  double timeout;
  if (!ReadTimeout(context, info, &timeout)) return;
  if (!CheckAlive(isolate)) return;
  // Made before the value is read: with promise hooks (async_hooks) creating
  // a promise runs JavaScript, where preemption could let a notify slip in
  // between the read and the registration below.
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return;
  v8::Local<v8::Value> current;
  if (!ReadOwnData(isolate, context, target, &current)) return;
  v8::Local<v8::Value> expected = info.Length() >= 3 ? info[2] : v8::Undefined(isolate).As<v8::Value>();
  if (!SameValueZero(current, expected)) {
    SetResult(isolate, context, info, false, Str(isolate, "not-equal"));
    return;
  }
  if (timeout == 0) {
    SetResult(isolate, context, info, false, Str(isolate, "timed-out"));
    return;
  }
  // From the read above to the registration below nothing runs JavaScript.
  auto* waiter = new PropWaiter();
  waiter->object.Reset(isolate, target.object);
  waiter->key.Reset(isolate, target.key);
  waiter->resolver.Reset(isolate, resolver);
  Shim& s = S();
  if (std::isfinite(timeout)) {
    // The global lock holder owns the main loop (see README), so a spawned
    // thread may start the timer itself; the loop's clock was refreshed when
    // it took the lock.
    waiter->timer = new uv_timer_t;
    uv_timer_init(s.loop, waiter->timer);
    waiter->timer->data = waiter;
    uv_timer_start(waiter->timer, OnWaitTimeout, static_cast<uint64_t>(std::ceil(timeout)), 0);
  }
  {
    std::lock_guard<std::mutex> lk(s.mu);
    g_waiters->push_back(waiter);
    s.pending_async++;
  }
  if (IsMainThread()) UpdateLoopRef();
  SetResult(isolate, context, info, true, resolver->GetPromise());
}

void PropertyNotify(const v8::FunctionCallbackInfo<v8::Value>& info, const Target& target) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  double count = std::numeric_limits<double>::infinity();
  if (info.Length() >= 3 && !info[2]->IsUndefined()) {
    double c;
    if (!info[2]->NumberValue(context).To(&c)) return;
    c = std::isnan(c) ? 0 : std::trunc(c);
    count = c < 0 ? 0 : c;
  }
  // No property needed: notifying a key nobody waits on wakes 0.
  Shim& s = S();
  // Match outside mu (string comparison may allocate); entries cannot be
  // freed meanwhile because freeing needs the global lock, which we hold.
  std::vector<PropWaiter*> snapshot;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    snapshot.assign(g_waiters->begin(), g_waiters->end());
  }
  std::vector<PropWaiter*> matches;
  for (PropWaiter* waiter : snapshot) {
    if (static_cast<double>(matches.size()) >= count) break;
    if (waiter->object != target.object) continue;
    if (waiter->key != target.key && !target.key->StrictEquals(waiter->key.Get(isolate))) continue;
    matches.push_back(waiter);
  }
  int woken = 0;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    for (PropWaiter* waiter : matches) {
      if (!Unlink(waiter)) continue;  // timed out meanwhile
      woken++;
      if (waiter->parker != nullptr) {
        Signal(*waiter->parker);
      } else {
        PushCompletionLocked(MakeCompletion(
            [waiter](v8::Isolate* isolate, v8::Local<v8::Context> context) {
              ResolveAsyncWaiter(isolate, context, waiter, "ok");
            }));
      }
    }
  }
  if (woken > 0) WakeMain();
  info.GetReturnValue().Set(woken);
}

void PropertyOp(const v8::FunctionCallbackInfo<v8::Value>& info, Op op) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  Target target;
  if (!ResolveTarget(info, op, &target)) return;
  switch (op) {
    case kWait:
      return PropertyWait(info, target);
    case kWaitAsync:
      return PropertyWaitAsync(info, target);
    case kNotify:
      return PropertyNotify(info, target);
    default:
      break;
  }
  v8::Local<v8::Value> operand =
      info.Length() >= 3 ? info[2] : v8::Undefined(isolate).As<v8::Value>();
  // Convert operands before reading: conversion may run JavaScript, and from
  // the read below to the write nothing does.
  double number = 0;
  int32_t bits = 0;
  if (op == kAdd || op == kSub) {
    if (!operand->NumberValue(context).To(&number)) return;
  } else if (op == kAnd || op == kOr || op == kXor) {
    if (!operand->Int32Value(context).To(&bits)) return;
  }
  OwnKind kind;
  v8::Local<v8::Value> old;
  bool writable = false;
  if (!Inspect(context, target, &kind, &old, &writable)) return;
  switch (op) {
    case kLoad:
      if (kind != OwnKind::kData) {
        ThrowTypeError(isolate, "Atomics.load: object has no own property");
        return;
      }
      info.GetReturnValue().Set(old);
      return;
    case kStore:
      if (kind == OwnKind::kAccessor) {
        ThrowTypeError(isolate, "Atomics.store: property is an accessor");
        return;
      }
      if (kind == OwnKind::kData) {
        if (!writable) {
          ThrowTypeError(isolate, "Atomics.store: property is not writable");
          return;
        }
        if (!WriteOwnData(context, target, operand)) return;
      } else {
        bool created;
        if (!target.object->CreateDataProperty(context, target.key, operand).To(&created) ||
            !created) {
          if (!isolate->IsExecutionTerminating()) {
            ThrowTypeError(isolate,
                           "Atomics.store: cannot add a property to a non-extensible object");
          }
          return;
        }
      }
      info.GetReturnValue().Set(operand);
      return;
    case kExchange:
    case kCompareExchange: {
      const char* prefix = op == kExchange ? "Atomics.exchange" : "Atomics.compareExchange";
      if (kind != OwnKind::kData) {
        std::string message = std::string(prefix) + ": object has no own data property";
        ThrowTypeError(isolate, message.c_str());
        return;
      }
      if (!writable) {
        // Thrown whether or not a compareExchange would match.
        std::string message = std::string(prefix) + ": property is not writable";
        ThrowTypeError(isolate, message.c_str());
        return;
      }
      v8::Local<v8::Value> next = operand;
      if (op == kCompareExchange) {
        if (!SameValueZero(old, operand)) {
          info.GetReturnValue().Set(old);
          return;
        }
        next = info.Length() >= 4 ? info[3] : v8::Undefined(isolate).As<v8::Value>();
      }
      if (!WriteOwnData(context, target, next)) return;
      info.GetReturnValue().Set(old);
      return;
    }
    default:
      break;
  }
  // add, sub, and, or, xor: the engine's checks, in its order.
  if (kind != OwnKind::kData) {
    ThrowTypeError(isolate, "Atomics RMW: object has no own data property");
    return;
  }
  if (!writable) {
    ThrowTypeError(isolate, "Atomics RMW: property is not writable");
    return;
  }
  if (!old->IsNumber()) {
    ThrowTypeError(isolate, "Atomics RMW: stored value is not a number");
    return;
  }
  double value = old.As<v8::Number>()->Value();
  v8::Local<v8::Value> next;
  if (op == kAdd) {
    next = v8::Number::New(isolate, value + number);
  } else if (op == kSub) {
    next = v8::Number::New(isolate, value - number);
  } else {
    int32_t current = old->Int32Value(context).FromJust();  // a number: no JS
    int32_t result = op == kAnd ? (current & bits) : op == kOr ? (current | bits)
                                                               : (current ^ bits);
    next = v8::Integer::New(isolate, result);
  }
  if (!WriteOwnData(context, target, next)) return;
  info.GetReturnValue().Set(old);
}

// SPEC-api 4.5 / ECMA-262 ValidateAtomicAccess: the typed-array path keeps
// V8's checks and their order, with the engine's text for an index out of
// range ("Access index out of bounds for atomic access.", JSC's) instead of
// V8's ("Invalid atomic access index"). Other exceptions pass unchanged.
// True when the caught exception is V8's index RangeError.
bool IsV8IndexRangeError(v8::Isolate* isolate, v8::TryCatch& try_catch) {
  if (!try_catch.CanContinue() || try_catch.HasTerminated()) return false;
  v8::Local<v8::Value> exception = try_catch.Exception();
  if (!exception->IsNativeError() || !exception->IsObject()) return false;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> error = exception.As<v8::Object>();
  v8::Local<v8::Value> name, message;
  // Own data of a fresh native error: reading them runs no JavaScript.
  if (!error->Get(context, Str(isolate, "name")).ToLocal(&name) ||
      !error->Get(context, Str(isolate, "message")).ToLocal(&message) || !name->IsString() ||
      !message->IsString()) {
    return false;
  }
  v8::String::Utf8Value name_text(isolate, name), message_text(isolate, message);
  return std::string(*name_text) == "RangeError" &&
         std::string(*message_text) == "Invalid atomic access index";
}

// ECMA-262 ValidateAtomicAccess, kept by SPEC-api 4.5 for typed arrays: the
// length is read before ToIndex(index), so an index whose conversion detaches
// the buffer and lands out of range is a RangeError, and only an in-range one
// reaches the detached TypeError. V8 11.3 (Node 20) returns undefined there.
// Done here only when the index is not already a number (no conversion, no
// side effect: V8's own order is unobservable), and for notify (V8 11.3
// returns 0 on a non-shared buffer before checking the index), and only for
// a view V8 would accept, so that V8's earlier TypeErrors keep their place. Replaces argv[1]
// with the converted index. Sets *done when the result is already known
// (notify on a non-shared buffer: +0). Returns false when it threw.
bool ValidateAtomicAccess(const v8::FunctionCallbackInfo<v8::Value>& info, Op op,
                          std::vector<v8::Local<v8::Value>>* argv, bool* done) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::TypedArray> view = info[0].As<v8::TypedArray>();
  bool waitable = op == kWait || op == kWaitAsync || op == kNotify;
  bool integer_type = view->IsInt32Array() || view->IsBigInt64Array();
  if (!waitable) {
    integer_type = integer_type || view->IsInt8Array() || view->IsUint8Array() ||
                   view->IsInt16Array() || view->IsUint16Array() || view->IsUint32Array() ||
                   view->IsBigUint64Array();
  }
  v8::Local<v8::ArrayBuffer> buffer = view->Buffer();
  bool shared = buffer->IsSharedArrayBuffer();
  if (!integer_type || (!shared && buffer->WasDetached()) ||
      ((op == kWait || op == kWaitAsync) && !shared)) {
    return true;  // V8 throws its TypeError before converting anything
  }
  size_t length = view->Length();
  if (length == 0 && view->ByteOffset() > buffer->ByteLength()) return true;  // out of bounds: V8's TypeError
  double number;
  if (!info[1]->NumberValue(context).To(&number)) return false;
  double index = std::isnan(number) ? 0 : std::trunc(number);
  if (index < 0 || index >= static_cast<double>(length)) {
    ThrowRangeError(isolate, "Access index out of bounds for atomic access.");
    return false;
  }
  (*argv)[1] = v8::Number::New(isolate, index);
  if (op == kNotify && !shared) {
    if (info.Length() >= 3 && !info[2]->IsUndefined()) {
      double count;
      if (!info[2]->NumberValue(context).To(&count)) return false;
    }
    info.GetReturnValue().Set(v8::Integer::New(isolate, 0));
    *done = true;
  }
  return true;
}

// SPEC-api 4.6: a pending ticket keeps the process alive. V8's typed-array
// waitAsync does not keep Node's loop alive, so one with a finite time-out
// (it settles by itself) is counted as pending until its promise settles.
// An unbounded one is left as V8 has it (it can only settle by a notify).
void OnTimedWaitAsyncSettled(const v8::FunctionCallbackInfo<v8::Value>& info) {
  {
    std::lock_guard<std::mutex> lk(S().mu);
    S().pending_async--;
  }
  if (IsMainThread()) {
    UpdateLoopRef();
  } else {
    WakeMain();
  }
}

void KeepAliveWhileTimedWaitAsync(v8::Isolate* isolate, v8::Local<v8::Context> context,
                                  const v8::FunctionCallbackInfo<v8::Value>& info,
                                  v8::Local<v8::Value> result) {
  if (info.Length() < 4 || !info[3]->IsNumber() ||
      !std::isfinite(info[3].As<v8::Number>()->Value()) || !result->IsObject()) {
    return;
  }
  v8::Local<v8::Value> is_async, value;
  v8::Local<v8::Object> record = result.As<v8::Object>();
  if (!record->Get(context, Str(isolate, "async")).ToLocal(&is_async) || !is_async->IsTrue() ||
      !record->Get(context, Str(isolate, "value")).ToLocal(&value) || !value->IsPromise()) {
    return;
  }
  v8::Local<v8::Function> settled;
  if (!v8::Function::New(context, OnTimedWaitAsyncSettled).ToLocal(&settled)) return;
  v8::Local<v8::Promise> derived;
  if (!value.As<v8::Promise>()->Then(context, settled, settled).ToLocal(&derived)) return;
  {
    std::lock_guard<std::mutex> lk(S().mu);
    S().pending_async++;
  }
  if (IsMainThread()) UpdateLoopRef();
}

void AtomicsEntry(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  auto op = static_cast<Op>(info.Data().As<v8::Int32>()->Value());
  if (info.Length() >= 1 && info[0]->IsObject() && !info[0]->IsTypedArray()) {
    PropertyOp(info, op);
    return;
  }
  if (op == kWait && info.Length() >= 1 && info[0]->IsTypedArray() &&
      (!IsMainThread() || !MayBlock())) {
    // On a spawned thread it would park while holding the global lock (the
    // engine's GIL-phase gate); anywhere, when no thread may block.
    ThrowTypeError(isolate, "Atomics.wait cannot be called from the current thread.");
    return;
  }
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  std::vector<v8::Local<v8::Value>> argv;
  argv.reserve(info.Length());
  for (int i = 0; i < info.Length(); i++) argv.push_back(info[i]);
  if (S().original_atomics[op].IsEmpty()) {
    std::string message = std::string("Atomics.") + kOpNames[op] +
                          " is only available on object properties in this runtime";
    ThrowTypeError(isolate, message.c_str());
    return;
  }
  if (info.Length() >= 2 && info[0]->IsTypedArray() && (!info[1]->IsNumber() || op == kNotify)) {
    bool done = false;
    if (!ValidateAtomicAccess(info, op, &argv, &done)) return;
    if (done) return;
  }
  v8::Local<v8::Function> original = S().original_atomics[op].Get(isolate);
  v8::Local<v8::Value> result;
  bool index_out_of_range = false;
  {
    v8::TryCatch try_catch(isolate);
    if (!original->Call(context, info.This(), static_cast<int>(argv.size()), argv.data())
             .ToLocal(&result)) {
      index_out_of_range = IsV8IndexRangeError(isolate, try_catch);
      if (!index_out_of_range) {
        try_catch.ReThrow();
        return;
      }
    }
  }
  if (index_out_of_range) {
    // Thrown outside the TryCatch, which would swallow it.
    ThrowRangeError(isolate, "Access index out of bounds for atomic access.");
    return;
  }
  if (op == kWaitAsync) KeepAliveWhileTimedWaitAsync(isolate, context, info, result);
  info.GetReturnValue().Set(result);
}

}  // namespace

void InstallPropertyAtomics(v8::Isolate* isolate, v8::Local<v8::Context> context,
                            v8::Local<v8::Object> atomics) {
  Shim& s = S();
  if (!s.original_atomics.empty()) return;  // already patched
  for (int op = 0; op < kOpCount; op++) {
    v8::Local<v8::String> name = Str(isolate, kOpNames[op]);
    v8::Local<v8::Value> original;
    if (!atomics->Get(context, name).ToLocal(&original) || !original->IsFunction()) {
      // Keep indices aligned; this op then only works on properties.
      s.original_atomics.emplace_back();
      continue;
    }
    s.original_atomics.emplace_back(isolate, original.As<v8::Function>());
    v8::Local<v8::Function> patched;
    if (!v8::Function::New(context, AtomicsEntry, v8::Integer::New(isolate, op),
                           kOpLengths[op], v8::ConstructorBehavior::kThrow)
             .ToLocal(&patched)) {
      continue;
    }
    patched->SetName(name);
    Ignore(atomics->DefineOwnProperty(context, name, patched, v8::DontEnum));
  }
}

void AbandonPropertyWaiters() {
  std::vector<PropWaiter*> async_waiters;
  {
    std::lock_guard<std::mutex> lk(S().mu);
    for (PropWaiter* waiter : *g_waiters) {
      if (waiter->parker == nullptr) async_waiters.push_back(waiter);
    }
    g_waiters->clear();
  }
  for (PropWaiter* waiter : async_waiters) FreeAsyncWaiter(waiter);
}

}  // namespace thread_shim
