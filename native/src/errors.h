// Error reporting across the native boundary. C++ code never throws: a failing function
// leaves one pending JS exception (built by the JS error factory registered at load, so
// native and twin errors are the same class with the same message) and returns nullptr.
#pragma once
#include <node_api.h>

namespace hyperio {

// Stable codes; the messages live in src/native/errors.ts, the single place for both
// implementations.
extern const char* const kErrBadArgument;
extern const char* const kErrBadBase64;
extern const char* const kErrTooManyRecords;
extern const char* const kErrRecordTooLarge;
extern const char* const kErrOutputTooLarge;

// Per-environment state (one per worker thread that loads the addon).
struct AddonData {
  napi_ref error_factory = nullptr;
};

// Stores `fn` as the factory `(code, detail) => Error`. Returns false with a pending exception.
bool SetErrorFactory(napi_env env, napi_value fn);

// Leaves a pending JS exception with `code` (and optional `detail`, e.g. an argument name).
// Always returns nullptr so callers can `return ThrowCode(...)`.
napi_value ThrowCode(napi_env env, const char* code, const char* detail = nullptr);

}  // namespace hyperio
