// SSSE3 kernels for base64 (x86-64 only), after Wojciech Muła's published vector
// algorithms: 12 bytes -> 16 characters per step to encode, 16 -> 12 to decode with the
// alphabet check folded into two nibble lookups. Used only when the CPU reports SSSE3; the
// scalar code in base64.cc handles the rest and every tail.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hyperio {
namespace base64 {

// True when the kernels below may run on this CPU (checked once).
bool HaveSsse3();

// Encodes whole 12-byte blocks while 16 input bytes are readable; returns input bytes
// consumed (a multiple of 3). Writes 4/3 of that.
size_t EncodeSsse3(const uint8_t* in, size_t n, uint8_t* out);

// Decodes whole 16-character blocks while at least 24 characters remain (each 16-byte
// store then stays inside the output); returns characters consumed (a multiple of 4), or
// SIZE_MAX when a block holds a byte outside the alphabet.
size_t DecodeSsse3(const uint8_t* in, size_t n, uint8_t* out);

}  // namespace base64
}  // namespace hyperio
