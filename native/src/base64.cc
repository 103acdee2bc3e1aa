#include "base64.h"

#include <cstring>

#include "base64_avx2.h"
#include "base64_ssse3.h"

namespace hyperio {
namespace base64 {

static inline bool IsLittleEndian() {
  const uint16_t probe = 1;
  uint8_t first;
  memcpy(&first, &probe, 1);
  return first == 1;
}

static const char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0..63 for alphabet bytes, 0xFF for everything else ('=' included: padding is stripped
// before the body is decoded).
struct DecodeTable {
  uint8_t v[256];
  constexpr DecodeTable() : v() {
    for (int i = 0; i < 256; i++) v[i] = 0xFF;
    for (int i = 0; i < 64; i++) v[static_cast<uint8_t>(kAlphabet[i])] = static_cast<uint8_t>(i);
  }
};
static constexpr DecodeTable kDecode;

// The same lookup pre-shifted for each of the four positions of a quad, so a quad decodes
// with four loads and three ORs; any byte outside the alphabet sets bit 24.
constexpr uint32_t kBad = 0x01000000u;
struct ShiftedTables {
  uint32_t t[4][256];
  constexpr ShiftedTables() : t() {
    for (int k = 0; k < 4; k++) {
      for (int i = 0; i < 256; i++) t[k][i] = kBad;
      for (int i = 0; i < 64; i++) {
        t[k][static_cast<uint8_t>(kAlphabet[i])] = static_cast<uint32_t>(i) << (18 - 6 * k);
      }
    }
  }
};
static constexpr ShiftedTables kShifted;

// Two output characters per 12 input bits: halves the lookups of the encoder.
struct PairTable {
  uint16_t v[4096];
  constexpr PairTable() : v() {
    for (int i = 0; i < 4096; i++) {
      // Memory order: first character, then second (little- and big-endian alike).
      uint8_t first = static_cast<uint8_t>(kAlphabet[i >> 6]);
      uint8_t second = static_cast<uint8_t>(kAlphabet[i & 63]);
      v[i] = static_cast<uint16_t>(first | (second << 8));
    }
  }
};
static constexpr PairTable kPairs;

void Encode(const uint8_t* in, size_t n, uint8_t* out) {
  size_t i = 0;
  if (n >= 28 && HaveAvx2()) {
    i = EncodeAvx2(in, n, out);
    out += i / 3 * 4;
  }
  if (n - i >= 16 && HaveSsse3()) {
    size_t done = EncodeSsse3(in + i, n - i, out);
    i += done;
    out += done / 3 * 4;
  }
  // 6 input bytes -> 8 output bytes, four pair lookups.
  for (; i + 6 <= n; i += 6) {
    uint32_t a = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8) | in[i + 2];
    uint32_t b = (uint32_t(in[i + 3]) << 16) | (uint32_t(in[i + 4]) << 8) | in[i + 5];
    uint16_t p[4] = {kPairs.v[a >> 12], kPairs.v[a & 0xFFF], kPairs.v[b >> 12], kPairs.v[b & 0xFFF]};
    if (IsLittleEndian()) {
      memcpy(out, p, 8);
    } else {
      for (int k = 0; k < 4; k++) {
        out[2 * k] = static_cast<uint8_t>(p[k] & 0xFF);
        out[2 * k + 1] = static_cast<uint8_t>(p[k] >> 8);
      }
    }
    out += 8;
  }
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8) | in[i + 2];
    out[0] = kAlphabet[v >> 18];
    out[1] = kAlphabet[(v >> 12) & 63];
    out[2] = kAlphabet[(v >> 6) & 63];
    out[3] = kAlphabet[v & 63];
    out += 4;
  }
  size_t rest = n - i;
  if (rest == 1) {
    uint32_t v = uint32_t(in[i]) << 16;
    out[0] = kAlphabet[v >> 18];
    out[1] = kAlphabet[(v >> 12) & 63];
    out[2] = '=';
    out[3] = '=';
  } else if (rest == 2) {
    uint32_t v = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8);
    out[0] = kAlphabet[v >> 18];
    out[1] = kAlphabet[(v >> 12) & 63];
    out[2] = kAlphabet[(v >> 6) & 63];
    out[3] = '=';
  }
}

static size_t BodyLength(const uint8_t* in, size_t n) {
  size_t body = n;
  if (body > 0 && in[body - 1] == '=') {
    body--;
    if (body > 0 && in[body - 1] == '=') body--;
  }
  return body;
}

int64_t DecodedLength(const uint8_t* in, size_t n) {
  size_t body = BodyLength(in, n);
  if (body != n && n % 4 != 0) return -1;
  size_t rest = body % 4;
  if (rest == 1) return -1;
  return static_cast<int64_t>(body / 4 * 3 + (rest == 0 ? 0 : rest - 1));
}

bool Decode(const uint8_t* in, size_t n, uint8_t* out) {
  size_t body = BodyLength(in, n);
  size_t i = 0;
  if (body >= 24 && HaveSsse3()) {
    i = DecodeSsse3(in, body, out);
    if (i == SIZE_MAX) return false;
    out += i / 4 * 3;
  }
  // Two quads per round; validity is checked once per round.
  for (; i + 8 <= body; i += 8) {
    uint32_t x = kShifted.t[0][in[i]] | kShifted.t[1][in[i + 1]] | kShifted.t[2][in[i + 2]] |
                 kShifted.t[3][in[i + 3]];
    uint32_t y = kShifted.t[0][in[i + 4]] | kShifted.t[1][in[i + 5]] | kShifted.t[2][in[i + 6]] |
                 kShifted.t[3][in[i + 7]];
    if ((x | y) & kBad) return false;
    out[0] = static_cast<uint8_t>(x >> 16);
    out[1] = static_cast<uint8_t>(x >> 8);
    out[2] = static_cast<uint8_t>(x);
    out[3] = static_cast<uint8_t>(y >> 16);
    out[4] = static_cast<uint8_t>(y >> 8);
    out[5] = static_cast<uint8_t>(y);
    out += 6;
  }
  for (; i + 4 <= body; i += 4) {
    uint32_t a = kDecode.v[in[i]], b = kDecode.v[in[i + 1]], c = kDecode.v[in[i + 2]],
             d = kDecode.v[in[i + 3]];
    if ((a | b | c | d) & 0x80) return false;
    uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    out[0] = static_cast<uint8_t>(v >> 16);
    out[1] = static_cast<uint8_t>(v >> 8);
    out[2] = static_cast<uint8_t>(v);
    out += 3;
  }
  size_t rest = body - i;
  if (rest >= 2) {
    uint32_t a = kDecode.v[in[i]], b = kDecode.v[in[i + 1]];
    uint32_t c = rest == 3 ? kDecode.v[in[i + 2]] : 0;
    if ((a | b | c) & 0x80) return false;
    uint32_t v = (a << 18) | (b << 12) | (c << 6);
    out[0] = static_cast<uint8_t>(v >> 16);
    if (rest == 3) out[1] = static_cast<uint8_t>(v >> 8);
  }
  return true;
}

}  // namespace base64
}  // namespace hyperio
