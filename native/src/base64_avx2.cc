#include "base64_avx2.h"

#include "base64_ssse3.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define HYPERIO_HAVE_AVX2_KERNELS 1
#include <immintrin.h>
#endif

namespace hyperio {
namespace base64 {

#ifdef HYPERIO_HAVE_AVX2_KERNELS

bool HaveAvx2() {
  // HaveSsse3 is false when HYPERIO_NATIVE_SIMD=0: that switch covers every kernel.
  static const bool enabled = HaveSsse3() && __builtin_cpu_supports("avx2") != 0;
  return enabled;
}

// Same steps as the SSSE3 EncodeBlock, lane by lane: shuffles work within each 128-bit lane,
// so each lane holds one 12-byte block at its bytes 0..11 and the constants are repeated.
__attribute__((target("avx2"))) static inline __m256i EncodeBlocks(__m256i in) {
  in = _mm256_shuffle_epi8(in, _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,  //
                                                1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10));
  const __m256i t0 = _mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00));
  const __m256i t1 = _mm256_mulhi_epu16(t0, _mm256_set1_epi32(0x04000040));
  const __m256i t2 = _mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0));
  const __m256i t3 = _mm256_mullo_epi16(t2, _mm256_set1_epi32(0x01000010));
  const __m256i indices = _mm256_or_si256(t1, t3);  // one sextet (0..63) per byte
  __m256i range = _mm256_subs_epu8(indices, _mm256_set1_epi8(51));
  const __m256i upper = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), indices);
  range = _mm256_or_si256(range, _mm256_and_si256(upper, _mm256_set1_epi8(13)));
  const __m256i offsets = _mm256_setr_epi8(
      'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
      '+' - 62, '/' - 63, 'A', 0, 0,  //
      'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
      '+' - 62, '/' - 63, 'A', 0, 0);
  return _mm256_add_epi8(_mm256_shuffle_epi8(offsets, range), indices);
}

__attribute__((target("avx2"))) size_t EncodeAvx2(const uint8_t* in, size_t n, uint8_t* out) {
  size_t i = 0;
  for (; i + 28 <= n; i += 24) {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 12));
    const __m256i blocks = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), EncodeBlocks(blocks));
    out += 32;
  }
  return i;
}

#else  // no AVX2 kernels on this target

bool HaveAvx2() { return false; }
size_t EncodeAvx2(const uint8_t*, size_t, uint8_t*) { return 0; }

#endif

}  // namespace base64
}  // namespace hyperio
