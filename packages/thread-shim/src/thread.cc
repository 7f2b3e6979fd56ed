// Thread: `new Thread(fn, ...args)`, join, asyncJoin, id, Thread.current,
// Thread.restrict.
#include <pthread.h>

#include "shim.h"

namespace thread_shim {

struct ThreadRecord final : public HandleOwner {
  int id = kMainThreadId;
  bool is_main = false;
  uv_thread_t os_thread{};

  v8::Global<v8::Object> self;  // strong while running, weak afterwards
  v8::Global<v8::Function> fn;
  std::vector<v8::Global<v8::Value>> args;
  v8::Global<v8::Value> result;
  bool threw = false;
  v8::Global<v8::Object> locals;  // WeakMap: ThreadLocal -> value

  // Under S().mu.
  bool done = false;
  std::vector<Parker*> joiners;
  std::vector<v8::Global<v8::Promise::Resolver>> async_joiners;

  void ResetHandles() override {
    self.Reset();
    fn.Reset();
    args.clear();
    result.Reset();
    locals.Reset();
    async_joiners.clear();
  }
};

namespace {

ThreadRecord* Unwrap(v8::Isolate* isolate, v8::Local<v8::Value> receiver,
                     const char* what) {
  Shim& s = S();
  v8::Local<v8::FunctionTemplate> tmpl = s.thread_template.Get(isolate);
  if (!receiver->IsObject() || !tmpl->HasInstance(receiver)) {
    std::string message = std::string(what) + " called on incompatible receiver";
    ThrowTypeError(isolate, message.c_str());
    return nullptr;
  }
  return static_cast<ThreadRecord*>(
      receiver.As<v8::Object>()->GetAlignedPointerFromInternalField(0));
}

// Settles one asyncJoin promise on the main thread.
std::unique_ptr<Completion> SettleJoin(v8::Isolate* isolate,
                                       v8::Global<v8::Promise::Resolver> resolver,
                                       ThreadRecord* record) {
  auto value = std::make_shared<v8::Global<v8::Value>>(isolate, record->result);
  bool threw = record->threw;
  return MakeCompletion([resolver = std::move(resolver), value, threw](
                            v8::Isolate* isolate, v8::Local<v8::Context> context) mutable {
    {
      std::lock_guard<std::mutex> lk(S().mu);
      S().pending_async--;
    }
    v8::Local<v8::Promise::Resolver> r = resolver.Get(isolate);
    v8::Local<v8::Value> v = value->Get(isolate);
    if (threw) {
      Ignore(r->Reject(context, v));
    } else {
      Ignore(r->Resolve(context, v));
    }
    resolver.Reset();
    value->Reset();
  });
}

void WeakThreadSecondPass(const v8::WeakCallbackInfo<ThreadRecord>& data) {
  delete data.GetParameter();
}

void WeakThreadFirstPass(const v8::WeakCallbackInfo<ThreadRecord>& data) {
  data.GetParameter()->self.Reset();
  data.SetSecondPassCallback(WeakThreadSecondPass);
}

void RunThreadBody(ThreadRecord* record, v8::Isolate* isolate,
                   v8::Local<v8::Context> context) {
  Shim& s = S();
  bool shutting_down;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    shutting_down = s.shutting_down;
  }
  v8::Local<v8::Value> result = v8::Undefined(isolate);
  bool threw = false;
  if (!shutting_down) {
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Function> fn = record->fn.Get(isolate);
    std::vector<v8::Local<v8::Value>> argv;
    argv.reserve(record->args.size());
    for (auto& arg : record->args) argv.push_back(arg.Get(isolate));
    v8::MaybeLocal<v8::Value> returned =
        fn->Call(context, v8::Undefined(isolate), static_cast<int>(argv.size()),
                 argv.data());
    if (returned.IsEmpty()) {
      if (try_catch.HasTerminated() || isolate->IsExecutionTerminating()) {
        isolate->CancelTerminateExecution();
      } else if (try_catch.HasCaught()) {
        threw = true;
        result = try_catch.Exception();
      }
    } else {
      result = returned.ToLocalChecked();
    }
  }
  {
    std::lock_guard<std::mutex> lk(s.mu);
    shutting_down = s.shutting_down;
  }
  if (!shutting_down) {
    // The thread's own promise jobs run before it counts as finished (the
    // microtask queue is the isolate's: pending jobs of other threads run too).
    v8::TryCatch try_catch(isolate);
    isolate->PerformMicrotaskCheckpoint();
    if (try_catch.HasTerminated() || isolate->IsExecutionTerminating()) {
      isolate->CancelTerminateExecution();
    }
  } else if (isolate->IsExecutionTerminating()) {
    isolate->CancelTerminateExecution();
  }

  record->result.Reset(isolate, result);
  record->threw = threw;
  record->fn.Reset();
  record->args.clear();
  record->locals.Reset();  // only this thread could read its slots

  std::vector<v8::Global<v8::Promise::Resolver>> async_joiners;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    record->done = true;
    s.live_threads--;
    s.runnable--;
    for (Parker* joiner : record->joiners) Signal(*joiner);
    record->joiners.clear();
    async_joiners.swap(record->async_joiners);
  }
  for (auto& resolver : async_joiners) {
    PushCompletion(SettleJoin(isolate, std::move(resolver), record));
  }
  WakeMain();
  // From now on only JS references keep the record alive.
  record->self.SetWeak(record, WeakThreadFirstPass, v8::WeakCallbackType::kParameter);
}

void ThreadMain(void* arg) {
  auto* record = static_cast<ThreadRecord*>(arg);
  Shim& s = S();
  v8::Isolate* isolate = s.isolate;
  {
    LockedScope locked(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> context = s.context.Get(isolate);
    v8::Context::Scope context_scope(context);
    SetCurrentRecord(record);
    RunThreadBody(record, isolate, context);
    // `record` may be freed by GC once the lock is released: no more use.
    SetCurrentRecord(nullptr);
  }
  isolate->DiscardThreadSpecificMetadata();
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.os_threads--;
  }
  s.exit_cv.notify_all();
}

void ThreadConstructor(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!RequireConstructCall(info, "Thread")) return;
  if (!CheckAlive(isolate)) return;
  if (info.Length() < 1 || !info[0]->IsFunction()) {
    ThrowTypeError(isolate, "Thread constructor requires a callable argument");
    return;
  }
  Shim& s = S();
  int id;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    if (s.live_threads >= s.max_live_threads) {
      id = -1;
    } else if (s.next_thread_id > kMaxThreadId) {
      id = -2;
    } else {
      id = s.next_thread_id++;
      s.live_threads++;
      s.runnable++;
      s.os_threads++;
    }
  }
  if (id < 0) {
    // The engine's text, for both the live cap and the used-up id space.
    ThrowRangeError(isolate, "too many live Threads (or thread-ID space exhausted)");
    return;
  }
  auto* record = new ThreadRecord();
  record->id = id;
  record->fn.Reset(isolate, info[0].As<v8::Function>());
  for (int i = 1; i < info.Length(); i++) record->args.emplace_back(isolate, info[i]);
  v8::Local<v8::Object> self = info.This();
  self->SetAlignedPointerInInternalField(0, record);
  record->self.Reset(isolate, self);

  uv_thread_options_t options;
  options.flags = UV_THREAD_HAS_STACK_SIZE;
  options.stack_size = kThreadStackSize;
  int rc = uv_thread_create_ex(&record->os_thread, &options, ThreadMain, record);
  if (rc != 0) {
    {
      std::lock_guard<std::mutex> lk(s.mu);
      s.live_threads--;
      s.runnable--;
      s.os_threads--;
      record->done = true;
    }
    record->fn.Reset();
    record->args.clear();
    record->self.SetWeak(record, WeakThreadFirstPass, v8::WeakCallbackType::kParameter);
    ThrowRangeError(isolate, "could not create a native thread for Thread");
    return;
  }
  pthread_detach(record->os_thread);
  if (IsMainThread()) UpdateLoopRef();
}

void Join(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  ThreadRecord* record = Unwrap(isolate, info.This(), "Thread.prototype.join");
  if (record == nullptr) return;
  if (record == CurrentRecord()) {
    ThrowError(isolate, "Thread cannot join itself");
    return;
  }
  if (record->is_main) {
    ThrowError(isolate, "The main thread cannot be joined: it never finishes");
    return;
  }
  Shim& s = S();
  bool done;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    done = record->done;
  }
  // Joining a finished thread never blocks, so the gate does not apply.
  if (!done && !CheckMayBlock(isolate, "Thread.prototype.join")) return;
  std::unique_lock<std::mutex> lk(s.mu);
  if (!record->done) {
    Parker parker;
    record->joiners.push_back(&parker);
    ParkResult result = Park(lk, parker, std::nullopt, [&] {
      auto& joiners = record->joiners;
      for (auto it = joiners.begin(); it != joiners.end(); ++it) {
        if (*it == &parker) {
          joiners.erase(it);
          break;
        }
      }
    });
    if (result == ParkResult::kShutdown) {
      isolate->TerminateExecution();
      return;
    }
  } else {
    lk.unlock();
  }
  v8::Local<v8::Value> value = record->result.Get(isolate);
  if (record->threw) {
    isolate->ThrowException(value);  // the same exception object, every time
  } else {
    info.GetReturnValue().Set(value);
  }
}

void AsyncJoin(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  ThreadRecord* record = Unwrap(isolate, info.This(), "Thread.prototype.asyncJoin");
  if (record == nullptr) return;
  if (!CheckAlive(isolate)) return;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return;
  if (record->is_main) {
    // The main thread never finishes: the promise stays pending, and does not
    // keep the process alive.
    info.GetReturnValue().Set(resolver->GetPromise());
    return;
  }
  v8::Global<v8::Promise::Resolver> global(isolate, resolver);
  Shim& s = S();
  bool done;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.pending_async++;
    done = record->done;
    if (!done) record->async_joiners.push_back(std::move(global));
  }
  // Even a finished thread's promise settles on a later turn.
  if (done) PushCompletion(SettleJoin(isolate, std::move(global), record));
  if (IsMainThread()) UpdateLoopRef();
  info.GetReturnValue().Set(resolver->GetPromise());
}

void IdGetter(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  ThreadRecord* record = Unwrap(isolate, info.This(), "Thread.prototype.id");
  if (record == nullptr) return;
  info.GetReturnValue().Set(record->id);
}

void CurrentGetter(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  ThreadRecord* record = CurrentRecord();
  if (record->self.IsEmpty()) {
    // The main thread's Thread object is made on first use.
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::Local<v8::FunctionTemplate> tmpl = S().thread_template.Get(isolate);
    v8::Local<v8::Object> self;
    if (!tmpl->InstanceTemplate()->NewInstance(context).ToLocal(&self)) return;
    self->SetAlignedPointerInInternalField(0, record);
    record->self.Reset(isolate, self);
  }
  info.GetReturnValue().Set(record->self.Get(isolate));
}

// A WebAssembly GC struct or array: null prototype, not extensible, and
// opaque (defining any property throws, where an ordinary non-extensible
// object just refuses). V8 12 aborts on a private field set on one.
bool IsWasmGcObject(v8::Isolate* isolate, v8::Local<v8::Context> context,
                    v8::Local<v8::Object> object) {
  if (!object->GetPrototype()->IsNull()) return false;
  v8::Local<v8::Value> object_ctor, reflect, is_extensible, define_property, extensible;
  v8::Local<v8::Object> global = context->Global();
  if (!global->Get(context, Str(isolate, "Object")).ToLocal(&object_ctor) || !object_ctor->IsObject() ||
      !object_ctor.As<v8::Object>()->Get(context, Str(isolate, "isExtensible")).ToLocal(&is_extensible) ||
      !is_extensible->IsFunction() ||
      !global->Get(context, Str(isolate, "Reflect")).ToLocal(&reflect) || !reflect->IsObject() ||
      !reflect.As<v8::Object>()->Get(context, Str(isolate, "defineProperty")).ToLocal(&define_property) ||
      !define_property->IsFunction()) {
    return false;
  }
  v8::Local<v8::Value> argv[] = {object};
  if (!is_extensible.As<v8::Function>()->Call(context, v8::Undefined(isolate), 1, argv).ToLocal(&extensible) ||
      extensible->IsTrue()) {
    return false;
  }
  v8::TryCatch probe(isolate);
  v8::Local<v8::Value> define_argv[] = {object, v8::Symbol::New(isolate), v8::Object::New(isolate)};
  v8::Local<v8::Value> defined;
  bool threw = !define_property.As<v8::Function>()
                    ->Call(context, reflect, 3, define_argv)
                    .ToLocal(&defined);
  if (threw && (!probe.CanContinue() || probe.HasTerminated())) {
    probe.ReThrow();  // a termination is not an answer
    return false;
  }
  return threw;
}

// Receivers the engine refuses (SPEC-api Deviation 8/11 and its allowlist):
// whatever could not be enforced on its generic property paths.
bool IsExcludedRestrictReceiver(v8::Isolate* isolate, v8::Local<v8::Context> context,
                                v8::Local<v8::Object> object) {
  if (object->IsFunction() || object->IsProxy() || object->IsArrayBufferView() ||
      object->IsArgumentsObject() || object->IsStringObject() || object->IsModuleNamespaceObject() ||
      object->IsWasmModuleObject() || object->IsWasmMemoryObject()) {
    return true;
  }
  if (object->StrictEquals(context->Global())) return true;
  if (IsWasmGcObject(isolate, context, object)) return true;
  // Species-protected builtin prototypes (their constructors are functions).
  static const char* const kProtected[] = {"Array", "Promise", "RegExp", "ArrayBuffer",
                                           "SharedArrayBuffer"};
  v8::Local<v8::Object> global = context->Global();
  for (const char* name : kProtected) {
    v8::Local<v8::Value> ctor, proto;
    if (!global->Get(context, Str(isolate, name)).ToLocal(&ctor) || !ctor->IsObject()) continue;
    if (!ctor.As<v8::Object>()->Get(context, Str(isolate, "prototype")).ToLocal(&proto)) continue;
    if (proto->StrictEquals(object)) return true;
  }
  // %TypedArray%.prototype, reached through any view's prototype chain.
  v8::Local<v8::Value> u8, u8_proto;
  if (global->Get(context, Str(isolate, "Uint8Array")).ToLocal(&u8) && u8->IsObject() &&
      u8.As<v8::Object>()->Get(context, Str(isolate, "prototype")).ToLocal(&u8_proto) &&
      u8_proto->IsObject()) {
    if (u8_proto->StrictEquals(object)) return true;
    if (u8_proto.As<v8::Object>()->GetPrototype()->StrictEquals(object)) return true;
  }
  return false;
}

// SPEC-api 4.1 / 5.7: every access to a restricted object from another
// thread throws ConcurrentAccessError. V8 has no per-object hook for ordinary
// objects, so Thread.restrict turns each configurable own data property
// (named, symbol or indexed) into a native data property: it still reads as a
// data property (same value, writable/enumerable/configurable), but its
// getter and setter check the calling thread. The values live in a private
// store on the object. What this does not reach (README, known gaps):
// non-configurable and accessor properties, properties added later, `in`,
// `delete`, key enumeration and lookups of names the object does not have.
v8::Local<v8::Object> HolderOf(const v8::PropertyCallbackInfo<v8::Value>& info) {
#if V8_MAJOR_VERSION >= 13
  return info.HolderV2();
#else
  return info.Holder();
#endif
}

v8::Local<v8::Object> HolderOf(const v8::PropertyCallbackInfo<void>& info) {
#if V8_MAJOR_VERSION >= 13
  return info.HolderV2();
#else
  return info.Holder();
#endif
}

bool StoreOf(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> holder,
             v8::Local<v8::Object>* store) {
  v8::Local<v8::Value> value;
  if (!holder->GetPrivate(context, S().restrict_store_key.Get(isolate)).ToLocal(&value) ||
      !value->IsObject()) {
    return false;
  }
  *store = value.As<v8::Object>();
  return true;
}

void CheckedGetter(v8::Local<v8::Name> property, const v8::PropertyCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> holder = HolderOf(info);
  if (!CheckRestriction(isolate, context, holder, "property read")) return;
  v8::Local<v8::Object> store;
  v8::Local<v8::Value> value;
  if (!StoreOf(isolate, context, holder, &store) || !store->Get(context, property).ToLocal(&value)) {
    return;
  }
  info.GetReturnValue().Set(value);
}

void CheckedSetter(v8::Local<v8::Name> property, v8::Local<v8::Value> value,
                   const v8::PropertyCallbackInfo<void>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> holder = HolderOf(info);
  if (!CheckRestriction(isolate, context, holder, "property write")) return;
  v8::Local<v8::Object> store;
  if (!StoreOf(isolate, context, holder, &store)) return;
  Ignore(store->Set(context, property, value));
}

bool CheckOwnProperties(v8::Isolate* isolate, v8::Local<v8::Context> context,
                        v8::Local<v8::Object> object) {
  v8::Local<v8::Array> keys;
  if (!object
           ->GetPropertyNames(context, v8::KeyCollectionMode::kOwnOnly, v8::ALL_PROPERTIES,
                              v8::IndexFilter::kIncludeIndices,
                              v8::KeyConversionMode::kConvertToString)
           .ToLocal(&keys)) {
    return false;
  }
  v8::Local<v8::Object> store = v8::Object::New(isolate, v8::Null(isolate), nullptr, nullptr, 0);
  if (!object->SetPrivate(context, S().restrict_store_key.Get(isolate), store).FromMaybe(false)) {
    return false;
  }
  for (uint32_t i = 0; i < keys->Length(); i++) {
    v8::Local<v8::Value> key_value;
    if (!keys->Get(context, i).ToLocal(&key_value) || !key_value->IsName()) return false;
    v8::Local<v8::Name> key = key_value.As<v8::Name>();
    v8::Local<v8::Value> descriptor_value;
    if (!object->GetOwnPropertyDescriptor(context, key).ToLocal(&descriptor_value)) return false;
    if (!descriptor_value->IsObject()) continue;
    v8::Local<v8::Object> descriptor = descriptor_value.As<v8::Object>();
    v8::Local<v8::Value> configurable, writable, enumerable, value;
    if (!descriptor->Get(context, Str(isolate, "configurable")).ToLocal(&configurable) ||
        !descriptor->Get(context, Str(isolate, "enumerable")).ToLocal(&enumerable) ||
        !descriptor->Get(context, Str(isolate, "writable")).ToLocal(&writable) ||
        !descriptor->Get(context, Str(isolate, "value")).ToLocal(&value)) {
      return false;
    }
    bool is_data = descriptor->HasOwnProperty(context, Str(isolate, "value")).FromMaybe(false);
    if (!is_data || !configurable->IsTrue()) continue;  // accessors, non-configurable: unchecked
    int attributes = v8::None;
    if (!writable->IsTrue()) attributes |= v8::ReadOnly;
    if (!enumerable->IsTrue()) attributes |= v8::DontEnum;
    if (!store->Set(context, key, value).FromMaybe(false) ||
        !object->Delete(context, key).FromMaybe(false)) {
      return false;
    }
    if (!object
             ->SetNativeDataProperty(context, key, CheckedGetter,
                                     writable->IsTrue() ? CheckedSetter : nullptr,
                                     v8::Local<v8::Value>(),
                                     static_cast<v8::PropertyAttribute>(attributes))
             .FromMaybe(false)) {
      return false;
    }
  }
  return true;
}

void Restrict(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (info.Length() < 1 || !info[0]->IsObject() ||
      IsExcludedRestrictReceiver(isolate, context, info[0].As<v8::Object>())) {
    ThrowTypeError(isolate, "cannot restrict this object");
    return;
  }
  v8::Local<v8::Object> object = info[0].As<v8::Object>();
  v8::Local<v8::Private> key = S().restrict_key.Get(isolate);
  v8::Local<v8::Value> owner;
  if (!object->GetPrivate(context, key).ToLocal(&owner)) return;
  if (owner->IsInt32()) {
    // Idempotent from the owner; a foreign re-restrict is a concurrent access.
    if (owner.As<v8::Int32>()->Value() == CurrentThreadId()) {
      info.GetReturnValue().Set(object);
    } else {
      ThrowConcurrentAccess(isolate, context, "Thread.restrict called from a non-owning thread");
    }
    return;
  }
  if (!object->SetPrivate(context, key, v8::Integer::New(isolate, CurrentThreadId()))
           .FromMaybe(false)) {
    if (!isolate->IsExecutionTerminating()) {
      // An object that takes no private field (a WebAssembly GC struct or
      // array): the enforcement could not cover it.
      ThrowTypeError(isolate, "cannot restrict this object");
    }
    return;
  }
  if (!CheckOwnProperties(isolate, context, object)) return;
  info.GetReturnValue().Set(object);
}

}  // namespace

int CurrentThreadId() { return CurrentRecord()->id; }

bool CheckRestriction(v8::Isolate* isolate, v8::Local<v8::Context> context,
                      v8::Local<v8::Object> object, const char* what) {
  Shim& s = S();
  v8::Local<v8::Private> key = s.restrict_key.Get(isolate);
  v8::Local<v8::Value> owner;
  if (!object->GetPrivate(context, key).ToLocal(&owner)) return false;
  if (!owner->IsInt32()) return true;
  int owner_id = owner.As<v8::Int32>()->Value();
  int me = CurrentThreadId();
  if (owner_id == me) return true;
  std::string message = std::string(what) + ": the object is restricted to thread " +
                        std::to_string(owner_id) + ", touched from thread " +
                        std::to_string(me);
  ThrowConcurrentAccess(isolate, context, message.c_str());
  return false;
}

void ThrowConcurrentAccess(v8::Isolate* isolate, v8::Local<v8::Context> context,
                           const char* message) {
  // The constructor captured at install, never the (writable) global binding.
  v8::Local<v8::Function> ctor = S().concurrent_access_error.Get(isolate);
  v8::Local<v8::Value> argv[] = {Str(isolate, message)};
  v8::Local<v8::Object> error;
  if (!ctor->NewInstance(context, 1, argv).ToLocal(&error)) return;
  isolate->ThrowException(error);
}

ThreadRecord* CreateMainRecord(v8::Isolate* isolate) {
  auto* record = new ThreadRecord();
  record->id = kMainThreadId;
  record->is_main = true;
  return record;
}

v8::MaybeLocal<v8::Object> CurrentLocals(v8::Isolate* isolate,
                                         v8::Local<v8::Context> context) {
  ThreadRecord* record = CurrentRecord();
  if (record->locals.IsEmpty()) {
    v8::Local<v8::Object> map;
    if (!S().weak_map_ctor.Get(isolate)->NewInstance(context).ToLocal(&map)) {
      return {};
    }
    record->locals.Reset(isolate, map);
  }
  return record->locals.Get(isolate);
}

v8::Local<v8::FunctionTemplate> CreateThreadTemplate(v8::Isolate* isolate) {
  v8::Local<v8::FunctionTemplate> tmpl = v8::FunctionTemplate::New(isolate, ThreadConstructor);
  tmpl->SetClassName(Str(isolate, "Thread"));
  tmpl->SetLength(1);
  tmpl->InstanceTemplate()->SetInternalFieldCount(1);
  v8::Local<v8::ObjectTemplate> proto = tmpl->PrototypeTemplate();
  SetMethod(isolate, proto, "join", Join, 0);
  SetMethod(isolate, proto, "asyncJoin", AsyncJoin, 0);
  SetGetter(isolate, proto, "id", IdGetter);
  SetGetter(isolate, tmpl, "current", CurrentGetter);
  SetMethod(isolate, tmpl, "restrict", Restrict, 1);
  SetToStringTag(isolate, tmpl, "Thread");
  return tmpl;
}

}  // namespace thread_shim
