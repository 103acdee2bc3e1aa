// hyperio_native: byte-level helpers for the Engine.IO and Socket.IO codecs. Every export
// has a TypeScript twin in src/native/ with the same signature and the same errors.
#include <napi.h>

#include "errors.h"
#include "json_string.h"
#include "payload.h"

namespace hyperio {

// Bumped whenever an export's signature or semantics change; the loader refuses a build
// whose ABI differs from the twin's (a stale build/ from an older checkout).
constexpr uint32_t kAbiVersion = 3;

static napi_value SetErrorFactoryExport(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value fn;
  if (napi_get_cb_info(env, info, &argc, &fn, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 1) napi_get_undefined(env, &fn);
  SetErrorFactory(env, fn);
  return nullptr;
}

static void FinalizeData(napi_env env, void* data, void* /*hint*/) {
  AddonData* addon = static_cast<AddonData*>(data);
  if (addon->error_factory != nullptr) napi_delete_reference(env, addon->error_factory);
  delete addon;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  napi_set_instance_data(env, new AddonData(), FinalizeData, nullptr);
  struct Export {
    const char* name;
    napi_callback cb;
  };
  const Export fns[] = {
      {"setErrorFactory", SetErrorFactoryExport},
      {"decodePayload", DecodePayload},
      {"encodePayload", EncodePayload},
      {"jsonStringIsPlain", JsonStringIsPlain},
  };
  for (const Export& e : fns) {
    napi_value fn;
    if (napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.cb, nullptr, &fn) != napi_ok) {
      return exports;
    }
    exports.Set(e.name, Napi::Value(env, fn));
  }
  exports.Set("abiVersion", Napi::Number::New(env, kAbiVersion));
  return exports;
}

}  // namespace hyperio

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return hyperio::Init(env, exports);
}

NODE_API_MODULE(hyperio_native, InitModule)
