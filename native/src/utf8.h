// UTF-8 <-> JS strings without V8's per-character transcoders, which are the slow part of
// napi_create_string_utf8 / napi_get_value_string_utf8. The results are identical to
// Buffer#toString("utf8") (WHATWG decoding: each maximal invalid subsequence becomes one
// U+FFFD) and Buffer.from(string, "utf8") (each lone surrogate becomes U+FFFD).
#pragma once
#include <node_api.h>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hyperio {
namespace utf8 {

// Creates a JS string from UTF-8 bytes. `scratch` is reused across calls.
napi_status NewString(napi_env env, const uint8_t* data, size_t length, std::vector<char16_t>* scratch,
                      napi_value* result);

// Bytes needed to encode UTF-16 `units` as UTF-8 (lone surrogates count 3, for U+FFFD).
size_t LengthOfUtf16(const char16_t* units, size_t n);

// Writes exactly LengthOfUtf16(units, n) bytes to `out`.
void EncodeUtf16(const char16_t* units, size_t n, uint8_t* out);

}  // namespace utf8
}  // namespace hyperio
