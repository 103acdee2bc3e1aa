#include "base64_ssse3.h"

#include <cstdlib>
#include <cstring>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define HYPERIO_HAVE_SSSE3_KERNELS 1
#include <tmmintrin.h>
#endif

namespace hyperio {
namespace base64 {

#ifdef HYPERIO_HAVE_SSSE3_KERNELS

bool HaveSsse3() {
  // HYPERIO_NATIVE_SIMD=0 forces the scalar code (tests and benchmarks of that path).
  static const bool enabled = [] {
    const char* env = getenv("HYPERIO_NATIVE_SIMD");
    if (env != nullptr && strcmp(env, "0") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("ssse3") != 0;
  }();
  return enabled;
}

__attribute__((target("ssse3"))) static inline __m128i EncodeBlock(__m128i in) {
  // Each 32-bit lane gets bytes [b, a, c, b] of its 3-byte group, so that two 16-bit
  // multiplies can move all four sextets into their own bytes.
  in = _mm_shuffle_epi8(in, _mm_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1));
  const __m128i t0 = _mm_and_si128(in, _mm_set1_epi32(0x0fc0fc00));
  const __m128i t1 = _mm_mulhi_epu16(t0, _mm_set1_epi32(0x04000040));
  const __m128i t2 = _mm_and_si128(in, _mm_set1_epi32(0x003f03f0));
  const __m128i t3 = _mm_mullo_epi16(t2, _mm_set1_epi32(0x01000010));
  const __m128i indices = _mm_or_si128(t1, t3);  // one sextet (0..63) per byte
  // Sextet -> ASCII: pick a per-range offset (A-Z, a-z, 0-9, '+', '/') and add it.
  __m128i range = _mm_subs_epu8(indices, _mm_set1_epi8(51));
  const __m128i upper = _mm_cmpgt_epi8(_mm_set1_epi8(26), indices);
  range = _mm_or_si128(range, _mm_and_si128(upper, _mm_set1_epi8(13)));
  const __m128i offsets = _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                        '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
  return _mm_add_epi8(_mm_shuffle_epi8(offsets, range), indices);
}

__attribute__((target("ssse3"))) size_t EncodeSsse3(const uint8_t* in, size_t n, uint8_t* out) {
  size_t i = 0;
  for (; i + 16 <= n; i += 12) {
    __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), EncodeBlock(block));
    out += 16;
  }
  return i;
}

__attribute__((target("ssse3"))) size_t DecodeSsse3(const uint8_t* in, size_t n, uint8_t* out) {
  // Validity: a byte is in the alphabet iff lut_lo[low nibble] & lut_hi[high nibble] == 0.
  const __m128i lut_lo = _mm_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A,
                                       0x1B, 0x1B, 0x1B, 0x1A);
  const __m128i lut_hi = _mm_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10,
                                       0x10, 0x10, 0x10, 0x10);
  // ASCII -> sextet offset by high nibble ('/' shares '+''s nibble: moved to slot 1).
  const __m128i lut_roll = _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m128i nibble = _mm_set1_epi8(0x0f);
  const __m128i slash = _mm_set1_epi8(0x2f);
  const __m128i zero = _mm_setzero_si128();
  const __m128i order = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  size_t i = 0;
  for (; i + 24 <= n; i += 16) {
    __m128i str = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    const __m128i hi_nibbles = _mm_and_si128(_mm_srli_epi32(str, 4), nibble);
    const __m128i lo_nibbles = _mm_and_si128(str, nibble);
    const __m128i hi = _mm_shuffle_epi8(lut_hi, hi_nibbles);
    const __m128i lo = _mm_shuffle_epi8(lut_lo, lo_nibbles);
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(lo, hi), zero)) != 0xFFFF) return SIZE_MAX;
    const __m128i is_slash = _mm_cmpeq_epi8(str, slash);
    const __m128i roll = _mm_shuffle_epi8(lut_roll, _mm_add_epi8(is_slash, hi_nibbles));
    str = _mm_add_epi8(str, roll);  // one sextet per byte
    // Pack: [s0 s1 s2 s3] -> 24-bit value per lane, then gather the 3 bytes of each lane.
    const __m128i pairs = _mm_maddubs_epi16(str, _mm_set1_epi32(0x01400140));
    const __m128i lanes = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00011000));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_shuffle_epi8(lanes, order));
    out += 12;
  }
  return i;
}

#else  // no SSSE3 kernels on this target

bool HaveSsse3() { return false; }
size_t EncodeSsse3(const uint8_t*, size_t, uint8_t*) { return 0; }
size_t DecodeSsse3(const uint8_t*, size_t, uint8_t*) { return 0; }

#endif

}  // namespace base64
}  // namespace hyperio
