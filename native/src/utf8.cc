#include "utf8.h"

#include <cstring>

namespace hyperio {
namespace utf8 {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ull;
constexpr uint64_t kNonAsciiUnits = 0xFF80FF80FF80FF80ull;

// Length of the leading run of ASCII bytes. Blocks of 64 bytes are ORed together before one
// test (the compiler vectorises this; a test per 8-byte word made the check cost as much
// as copying the record into V8), then the block that failed is walked word by word.
size_t AsciiPrefix(const uint8_t* data, size_t n) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    uint64_t words[8];
    memcpy(words, data + i, 64);
    uint64_t any = 0;
    for (int k = 0; k < 8; k++) any |= words[k];
    if (any & kHighBits) break;
  }
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    memcpy(&word, data + i, 8);
    if (word & kHighBits) break;
  }
  while (i < n && data[i] < 0x80) i++;
  return i;
}

// WHATWG "UTF-8 decode" (Encoding Standard), the algorithm V8 implements: returns the
// number of UTF-16 units written to `out` (which holds at least n units) and ORs every
// unit into *max_unit.
size_t DecodeTail(const uint8_t* data, size_t n, char16_t* out, uint32_t* max_unit) {
  char16_t* start = out;
  uint32_t seen_max = 0;
  size_t i = 0;
  while (i < n) {
    uint32_t b = data[i];
    if (b < 0x80) {
      *out++ = static_cast<char16_t>(b);
      i++;
      continue;
    }
    uint32_t need, cp, lower = 0x80, upper = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      if (b == 0xE0) lower = 0xA0;
      if (b == 0xED) upper = 0x9F;
      need = 2;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      if (b == 0xF0) lower = 0x90;
      if (b == 0xF4) upper = 0x8F;
      need = 3;
      cp = b & 0x07;
    } else {
      *out++ = 0xFFFD;
      seen_max = 0xFFFD;
      i++;
      continue;
    }
    size_t j = i + 1;
    bool ok = true;
    for (uint32_t k = 0; k < need; k++, j++) {
      if (j >= n) {
        ok = false;
        break;
      }
      uint32_t c = data[j];
      if (c < lower || c > upper) {
        ok = false;
        break;
      }
      lower = 0x80;
      upper = 0xBF;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!ok) {
      // The lead and the valid continuations so far are one maximal subpart: one U+FFFD;
      // the offending byte (if any) is decoded afresh.
      *out++ = 0xFFFD;
      seen_max = 0xFFFD;
      i = j;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      *out++ = static_cast<char16_t>(0xD800 + (cp >> 10));
      *out++ = static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
      seen_max = 0xFFFF;
    } else {
      *out++ = static_cast<char16_t>(cp);
      if (cp > seen_max) seen_max = cp;
    }
    i = j;
  }
  if (seen_max > *max_unit) *max_unit = seen_max;
  return static_cast<size_t>(out - start);
}

}  // namespace

napi_status NewString(napi_env env, const uint8_t* data, size_t length, std::vector<char16_t>* scratch,
                      napi_value* result) {
  size_t ascii = AsciiPrefix(data, length);
  if (ascii == length) {
    // One-byte string: a plain copy inside V8.
    return napi_create_string_latin1(env, reinterpret_cast<const char*>(data), length, result);
  }
  if (scratch->size() < length) scratch->resize(length);
  char16_t* units = scratch->data();
  for (size_t i = 0; i < ascii; i++) units[i] = data[i];
  uint32_t max_unit = 0;
  size_t n = ascii + DecodeTail(data + ascii, length - ascii, units + ascii, &max_unit);
  if (max_unit <= 0xFF) {
    // Every unit fits one byte (Latin-1 text): narrow in place, one-byte string.
    char* narrow = reinterpret_cast<char*>(units);
    for (size_t i = 0; i < n; i++) narrow[i] = static_cast<char>(units[i]);
    return napi_create_string_latin1(env, narrow, n, result);
  }
  return napi_create_string_utf16(env, units, n, result);
}

size_t LengthOfUtf16(const char16_t* units, size_t n) {
  size_t bytes = 0;
  size_t i = 0;
  while (i < n) {
    if (i + 4 <= n) {
      uint64_t word;
      memcpy(&word, units + i, 8);
      if ((word & kNonAsciiUnits) == 0) {
        bytes += 4;
        i += 4;
        continue;
      }
    }
    uint32_t u = units[i];
    if (u < 0x80) {
      bytes += 1;
    } else if (u < 0x800) {
      bytes += 2;
    } else if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n && units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF) {
      bytes += 4;
      i++;
    } else {
      bytes += 3;  // BMP character, or a lone surrogate written as U+FFFD
    }
    i++;
  }
  return bytes;
}

void EncodeUtf16(const char16_t* units, size_t n, uint8_t* out) {
  size_t i = 0;
  while (i < n) {
    if (i + 4 <= n) {
      uint64_t word;
      memcpy(&word, units + i, 8);
      if ((word & kNonAsciiUnits) == 0) {
        out[0] = static_cast<uint8_t>(units[i]);
        out[1] = static_cast<uint8_t>(units[i + 1]);
        out[2] = static_cast<uint8_t>(units[i + 2]);
        out[3] = static_cast<uint8_t>(units[i + 3]);
        out += 4;
        i += 4;
        continue;
      }
    }
    uint32_t u = units[i];
    if (u < 0x80) {
      *out++ = static_cast<uint8_t>(u);
    } else if (u < 0x800) {
      *out++ = static_cast<uint8_t>(0xC0 | (u >> 6));
      *out++ = static_cast<uint8_t>(0x80 | (u & 0x3F));
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      if (u <= 0xDBFF && i + 1 < n && units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF) {
        uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (units[i + 1] - 0xDC00);
        *out++ = static_cast<uint8_t>(0xF0 | (cp >> 18));
        *out++ = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
        *out++ = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
        *out++ = static_cast<uint8_t>(0x80 | (cp & 0x3F));
        i++;
      } else {
        *out++ = 0xEF;  // U+FFFD
        *out++ = 0xBF;
        *out++ = 0xBD;
      }
    } else {
      *out++ = static_cast<uint8_t>(0xE0 | (u >> 12));
      *out++ = static_cast<uint8_t>(0x80 | ((u >> 6) & 0x3F));
      *out++ = static_cast<uint8_t>(0x80 | (u & 0x3F));
    }
    i++;
  }
}

}  // namespace utf8
}  // namespace hyperio
