// Standard base64 (RFC 4648 section 4 alphabet) over raw bytes, no strings involved.
// Decoding is strict: only A-Z a-z 0-9 + /, padding optional but, when present, only at the
// end and making the length a multiple of 4; a length of 4k+1 is never valid. Unused
// trailing bits are ignored, as Node's decoder does.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hyperio {
namespace base64 {

constexpr size_t EncodedLength(size_t n) { return (n + 2) / 3 * 4; }

// Writes EncodedLength(n) bytes to `out`.
void Encode(const uint8_t* in, size_t n, uint8_t* out);

// Validates the shape (padding, length) and returns the decoded length, or -1 if the
// shape is invalid. Does not look at the alphabet of the body.
int64_t DecodedLength(const uint8_t* in, size_t n);

// Decodes `in` (whose shape DecodedLength accepted) into `out`; false on a byte outside
// the alphabet. `out` must hold DecodedLength(in, n) bytes.
bool Decode(const uint8_t* in, size_t n, uint8_t* out);

}  // namespace base64
}  // namespace hyperio
