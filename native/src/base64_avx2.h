// AVX2 base64 encoding (x86-64 only): the SSSE3 kernel's algorithm on two 12-byte blocks
// per step, one per 128-bit lane (24 bytes -> 32 characters). The SSSE3 kernel encodes at
// ~10 GB/s, which left the native polling encoder only 1.27x ahead of Node's own base64 at
// 1 MiB. Used only when the CPU reports AVX2; base64.cc hands it the bulk and lets the
// SSSE3 and scalar code finish the tail.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hyperio {
namespace base64 {

// True when EncodeAvx2 may run on this CPU (checked once; HYPERIO_NATIVE_SIMD=0 disables it).
bool HaveAvx2();

// Encodes pairs of 12-byte blocks while 28 input bytes are readable (the second block's
// 16-byte load); returns input bytes consumed (a multiple of 24). Writes 4/3 of that.
size_t EncodeAvx2(const uint8_t* in, size_t n, uint8_t* out);

}  // namespace base64
}  // namespace hyperio
