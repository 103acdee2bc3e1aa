#include "args.h"

#include "errors.h"

namespace hyperio {

static size_t ElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    default:
      return 8;
  }
}

bool GetBytes(napi_env env, napi_value value, const char* name, ByteView* out) {
  bool is = false;
  if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) == napi_ok &&
        type == napi_uint8_array) {
      out->data = static_cast<const uint8_t*>(data);
      out->length = length;
      return true;
    }
  } else if (napi_is_arraybuffer(env, value, &is) == napi_ok && is) {
    void* data = nullptr;
    size_t length = 0;
    if (napi_get_arraybuffer_info(env, value, &data, &length) == napi_ok) {
      out->data = static_cast<const uint8_t*>(data);
      out->length = length;
      return true;
    }
  }
  ThrowCode(env, kErrBadArgument, name);
  return false;
}

bool TryGetAnyBytes(napi_env env, napi_value value, ByteView* out) {
  bool is = false;
  void* data = nullptr;
  size_t length = 0;
  if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    napi_typedarray_type type;
    if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != napi_ok) {
      return false;
    }
    out->data = static_cast<const uint8_t*>(data);
    out->length = length * ElementSize(type);
    return true;
  }
  if (napi_is_dataview(env, value, &is) == napi_ok && is) {
    if (napi_get_dataview_info(env, value, &length, &data, nullptr, nullptr) != napi_ok) return false;
    out->data = static_cast<const uint8_t*>(data);
    out->length = length;
    return true;
  }
  if (napi_is_arraybuffer(env, value, &is) == napi_ok && is) {
    if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok) return false;
    out->data = static_cast<const uint8_t*>(data);
    out->length = length;
    return true;
  }
  return false;
}

bool GetUint32(napi_env env, napi_value value, const char* name, uint32_t* out) {
  double number = 0;
  // napi_get_value_double fails for non-numbers; NaN and fractions fail the range checks.
  if (napi_get_value_double(env, value, &number) == napi_ok && number >= 0 &&
      number <= 4294967295.0 && number == static_cast<double>(static_cast<uint32_t>(number))) {
    *out = static_cast<uint32_t>(number);
    return true;
  }
  ThrowCode(env, kErrBadArgument, name);
  return false;
}

}  // namespace hyperio
