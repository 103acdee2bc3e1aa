// Argument readers shared by every exported function. Each returns false after leaving a
// pending ERR_HYPERIO_BAD_ARGUMENT exception; none of them copies bytes.
#pragma once
#include <node_api.h>
#include <cstddef>
#include <cstdint>

namespace hyperio {

struct ByteView {
  const uint8_t* data;
  size_t length;
};

// Uint8Array (Buffer included) or ArrayBuffer, read in place.
bool GetBytes(napi_env env, napi_value value, const char* name, ByteView* out);

// Any ArrayBufferView (typed array or DataView) or ArrayBuffer, read in place. Returns
// false without throwing when `value` is none of those.
bool TryGetAnyBytes(napi_env env, napi_value value, ByteView* out);

// An integer number in [0, 2^32 - 1].
bool GetUint32(napi_env env, napi_value value, const char* name, uint32_t* out);

}  // namespace hyperio
