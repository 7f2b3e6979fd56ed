// ThreadLocal: `new ThreadLocal().value` has one slot per thread. Each thread
// keeps a WeakMap from ThreadLocal objects to its values, so a value dies with
// either its ThreadLocal or its thread, and no thread can see another's map.
#include "shim.h"

namespace thread_shim {

namespace {

bool CheckReceiver(v8::Isolate* isolate, v8::Local<v8::Value> receiver) {
  v8::Local<v8::FunctionTemplate> tmpl = S().thread_local_template.Get(isolate);
  if (receiver->IsObject() && tmpl->HasInstance(receiver)) return true;
  ThrowTypeError(isolate, "ThreadLocal.prototype.value called on incompatible receiver");
  return false;
}

void ThreadLocalConstructor(const v8::FunctionCallbackInfo<v8::Value>& info) {
  RequireConstructCall(info, "ThreadLocal");
}

void ValueGetter(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!CheckReceiver(isolate, info.This())) return;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> locals;
  if (!CurrentLocals(isolate, context).ToLocal(&locals)) return;
  v8::Local<v8::Value> argv[] = {info.This()};
  v8::Local<v8::Value> value;
  if (!S().weak_map_get.Get(isolate)->Call(context, locals, 1, argv).ToLocal(&value)) return;
  info.GetReturnValue().Set(value);
}

void ValueSetter(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!CheckReceiver(isolate, info.This())) return;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> locals;
  if (!CurrentLocals(isolate, context).ToLocal(&locals)) return;
  v8::Local<v8::Value> argv[] = {info.This(), info.Length() >= 1
                                                  ? info[0]
                                                  : v8::Undefined(isolate).As<v8::Value>()};
  Ignore(S().weak_map_set.Get(isolate)->Call(context, locals, 2, argv));
}

}  // namespace

v8::Local<v8::FunctionTemplate> CreateThreadLocalTemplate(v8::Isolate* isolate) {
  v8::Local<v8::FunctionTemplate> tmpl =
      v8::FunctionTemplate::New(isolate, ThreadLocalConstructor);
  tmpl->SetClassName(Str(isolate, "ThreadLocal"));
  SetGetter(isolate, tmpl->PrototypeTemplate(), "value", ValueGetter, ValueSetter);
  SetToStringTag(isolate, tmpl, "ThreadLocal");
  return tmpl;
}

}  // namespace thread_shim
