// Module entry: install(global, ConcurrentAccessError, options) puts the
// Thread API on the global object (non-enumerable) and patches Atomics. Only
// the main thread of the process's first Node environment can install it.
#include "shim.h"

namespace thread_shim {

namespace {

void OnEnvironmentCleanup(void* arg) {
  auto* isolate = static_cast<v8::Isolate*>(arg);
  ShutdownThreads(isolate);
}

bool DefineGlobal(v8::Local<v8::Context> context, v8::Local<v8::Object> global,
                  const char* name, v8::Local<v8::Value> value) {
  v8::Isolate* isolate = context->GetIsolate();
  return global->DefineOwnProperty(context, Str(isolate, name), value, v8::DontEnum)
      .FromMaybe(false);
}

bool GetFunction(v8::Local<v8::Context> context, v8::Local<v8::Object> from, const char* name,
                 v8::Local<v8::Function>* out) {
  v8::Local<v8::Value> value;
  if (!from->Get(context, Str(context->GetIsolate(), name)).ToLocal(&value) ||
      !value->IsFunction()) {
    return false;
  }
  *out = value.As<v8::Function>();
  return true;
}

bool FirstInstall(v8::Isolate* isolate, v8::Local<v8::Context> context,
                  v8::Local<v8::Object> global, v8::Local<v8::Function> error_class) {
  Shim& s = S();
  v8::Local<v8::Function> weak_map;
  v8::Local<v8::Value> weak_map_proto;
  v8::Local<v8::Function> weak_map_get, weak_map_set;
  v8::Local<v8::Value> atomics;
  if (!GetFunction(context, global, "WeakMap", &weak_map) ||
      !weak_map->Get(context, Str(isolate, "prototype")).ToLocal(&weak_map_proto) ||
      !weak_map_proto->IsObject() ||
      !GetFunction(context, weak_map_proto.As<v8::Object>(), "get", &weak_map_get) ||
      !GetFunction(context, weak_map_proto.As<v8::Object>(), "set", &weak_map_set) ||
      !global->Get(context, Str(isolate, "Atomics")).ToLocal(&atomics) || !atomics->IsObject()) {
    ThrowError(isolate, "@weft/thread-shim: WeakMap or Atomics is missing from the global object");
    return false;
  }
  s.isolate = isolate;
  s.context.Reset(isolate, context);
  s.weak_map_ctor.Reset(isolate, weak_map);
  s.weak_map_get.Reset(isolate, weak_map_get);
  s.weak_map_set.Reset(isolate, weak_map_set);
  s.concurrent_access_error.Reset(isolate, error_class);
  s.restrict_key.Reset(isolate, v8::Private::New(isolate, Str(isolate, "weft.restrictedTo")));
  s.restrict_store_key.Reset(isolate,
                             v8::Private::New(isolate, Str(isolate, "weft.restrictedValues")));
  s.atomics.Reset(isolate, atomics.As<v8::Object>());
  s.main_record = CreateMainRecord(isolate);

  v8::Local<v8::FunctionTemplate> thread = CreateThreadTemplate(isolate);
  v8::Local<v8::FunctionTemplate> lock = CreateLockTemplate(isolate);
  v8::Local<v8::FunctionTemplate> condition = CreateConditionTemplate(isolate);
  v8::Local<v8::FunctionTemplate> thread_local_ = CreateThreadLocalTemplate(isolate);
  s.thread_template.Reset(isolate, thread);
  s.lock_template.Reset(isolate, lock);
  s.condition_template.Reset(isolate, condition);
  s.thread_local_template.Reset(isolate, thread_local_);

  v8::Local<v8::Function> thread_fn, lock_fn, condition_fn, thread_local_fn;
  if (!thread->GetFunction(context).ToLocal(&thread_fn) ||
      !lock->GetFunction(context).ToLocal(&lock_fn) ||
      !condition->GetFunction(context).ToLocal(&condition_fn) ||
      !thread_local_->GetFunction(context).ToLocal(&thread_local_fn)) {
    return false;
  }
  if (!DefineGlobal(context, global, "Thread", thread_fn) ||
      !DefineGlobal(context, global, "Lock", lock_fn) ||
      !DefineGlobal(context, global, "Condition", condition_fn) ||
      !DefineGlobal(context, global, "ThreadLocal", thread_local_fn) ||
      !DefineGlobal(context, global, "ConcurrentAccessError", error_class)) {
    return false;
  }
  InstallPropertyAtomics(isolate, context, atomics.As<v8::Object>());
  InitGlobalLock(isolate, context);
  node::AddEnvironmentCleanupHook(isolate, OnEnvironmentCleanup, isolate);
  return true;
}

// install(global, ConcurrentAccessError, { preempt, intervalMs, mainThreadMayBlock, canBlock, maxThreads })
// Options are validated by index.js.
void Install(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (info.Length() < 3 || !info[0]->IsObject() || !info[1]->IsFunction() ||
      !info[2]->IsObject()) {
    ThrowTypeError(isolate, "install(global, ConcurrentAccessError, options) expected");
    return;
  }
  Shim& s = S();
  if (s.isolate != nullptr && s.isolate != isolate) {
    ThrowError(isolate,
               "@weft/thread-shim can only be installed in the main thread's isolate "
               "(not in a worker_threads Worker)");
    return;
  }
  if (!IsMainThread()) {
    ThrowError(isolate, "@weft/thread-shim: install() must be called on the main thread");
    return;
  }
  if (s.isolate == nullptr) {
    if (node::GetCurrentEventLoop(isolate) != uv_default_loop()) {
      ThrowError(isolate,
                 "@weft/thread-shim can only be installed in the main thread's isolate "
                 "(not in a worker_threads Worker)");
      return;
    }
    if (!FirstInstall(isolate, context, info[0].As<v8::Object>(),
                      info[1].As<v8::Function>())) {
      return;
    }
  }
  v8::Local<v8::Object> options = info[2].As<v8::Object>();
  v8::Local<v8::Value> preempt, interval, may_block, can_block, max_threads;
  if (!options->Get(context, Str(isolate, "maxThreads")).ToLocal(&max_threads) ||
      !options->Get(context, Str(isolate, "canBlock")).ToLocal(&can_block) ||
      !options->Get(context, Str(isolate, "preempt")).ToLocal(&preempt) ||
      !options->Get(context, Str(isolate, "intervalMs")).ToLocal(&interval) ||
      !options->Get(context, Str(isolate, "mainThreadMayBlock")).ToLocal(&may_block)) {
    return;
  }
  {
    std::lock_guard<std::mutex> lk(s.mu);
    s.main_may_block = may_block->BooleanValue(isolate);
    s.all_may_block = can_block->BooleanValue(isolate);
    if (max_threads->IsNumber()) {
      s.max_live_threads = static_cast<int>(max_threads.As<v8::Number>()->Value());
    }
  }
  int interval_ms = interval->IsNumber()
                        ? static_cast<int>(interval.As<v8::Number>()->Value())
                        : 5;
  if (interval_ms < 1) interval_ms = 1;
  ConfigurePreemption(preempt->BooleanValue(isolate), interval_ms);
}

void ThreadCount(const v8::FunctionCallbackInfo<v8::Value>& info) {
  // For tests: { live, os, runnable, pendingAsync, preemptions, preemptionsDeferred }.
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  Shim& s = S();
  int live, os, runnable, pending;
  double yields, deferred;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    live = s.live_threads;
    os = s.os_threads;
    runnable = s.runnable;
    pending = s.pending_async;
    yields = static_cast<double>(s.preempt_yields);
    deferred = static_cast<double>(s.preempt_deferred);
  }
  v8::Local<v8::Object> result = v8::Object::New(isolate);
  Ignore(result->CreateDataProperty(context, Str(isolate, "live"), v8::Integer::New(isolate, live)));
  Ignore(result->CreateDataProperty(context, Str(isolate, "os"), v8::Integer::New(isolate, os)));
  Ignore(result->CreateDataProperty(context, Str(isolate, "runnable"),
                                   v8::Integer::New(isolate, runnable)));
  Ignore(result->CreateDataProperty(context, Str(isolate, "pendingAsync"),
                                   v8::Integer::New(isolate, pending)));
  Ignore(result->CreateDataProperty(context, Str(isolate, "preemptions"),
                                   v8::Number::New(isolate, yields)));
  Ignore(result->CreateDataProperty(context, Str(isolate, "preemptionsDeferred"),
                                   v8::Number::New(isolate, deferred)));
  Ignore(result->CreateDataProperty(context, Str(isolate, "regexpEngineFunctions"),
                                   v8::Number::New(isolate, static_cast<double>(RegExpEngineRangeCount()))));
  info.GetReturnValue().Set(result);
}

}  // namespace

}  // namespace thread_shim

NODE_MODULE_INIT(/* exports, module, context */) {
  v8::Isolate* isolate = context->GetIsolate();
  thread_shim::Ignore(module);
  thread_shim::Ignore(exports->Set(context, thread_shim::Str(isolate, "install"),
                     v8::Function::New(context, thread_shim::Install).ToLocalChecked()));
  thread_shim::Ignore(exports->Set(context, thread_shim::Str(isolate, "stats"),
                     v8::Function::New(context, thread_shim::ThreadCount).ToLocalChecked()));
}
