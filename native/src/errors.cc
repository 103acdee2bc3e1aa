#include "errors.h"

namespace hyperio {

const char* const kErrBadArgument = "ERR_HYPERIO_BAD_ARGUMENT";
const char* const kErrBadBase64 = "ERR_HYPERIO_BAD_BASE64";
const char* const kErrTooManyRecords = "ERR_HYPERIO_TOO_MANY_RECORDS";
const char* const kErrRecordTooLarge = "ERR_HYPERIO_RECORD_TOO_LARGE";
const char* const kErrOutputTooLarge = "ERR_HYPERIO_OUTPUT_TOO_LARGE";

static AddonData* GetData(napi_env env) {
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) != napi_ok) return nullptr;
  return static_cast<AddonData*>(data);
}

bool SetErrorFactory(napi_env env, napi_value fn) {
  AddonData* data = GetData(env);
  if (data == nullptr) {
    napi_throw_error(env, kErrBadArgument, "hyperio native: addon data missing");
    return false;
  }
  napi_valuetype type;
  if (napi_typeof(env, fn, &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, kErrBadArgument, "hyperio native: error factory must be a function");
    return false;
  }
  if (data->error_factory != nullptr) napi_delete_reference(env, data->error_factory);
  data->error_factory = nullptr;
  return napi_create_reference(env, fn, 1, &data->error_factory) == napi_ok;
}

napi_value ThrowCode(napi_env env, const char* code, const char* detail) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return nullptr;
  AddonData* data = GetData(env);
  napi_value fn = nullptr;
  if (data != nullptr && data->error_factory != nullptr) {
    napi_get_reference_value(env, data->error_factory, &fn);
  }
  if (fn == nullptr) {
    // No factory registered (addon used without the loader): still a coded Error.
    napi_throw_error(env, code, detail != nullptr ? detail : code);
    return nullptr;
  }
  napi_value argv[2];
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &argv[0]);
  if (detail != nullptr) {
    napi_create_string_utf8(env, detail, NAPI_AUTO_LENGTH, &argv[1]);
  } else {
    argv[1] = undefined;
  }
  napi_value error = nullptr;
  if (napi_call_function(env, undefined, fn, 2, argv, &error) != napi_ok) return nullptr;
  napi_throw(env, error);
  return nullptr;
}

}  // namespace hyperio
