#include "payload.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "args.h"
#include "base64.h"
#include "errors.h"
#include "records.h"
#include "scratch.h"
#include "utf8.h"

namespace hyperio {

namespace {

constexpr size_t kMaxInputBytes = 0xFFFFFFFFu;   // offsets are uint32
constexpr size_t kMaxOutputBytes = 0xFFFFFFFFu;  // same bound as the twin

thread_local ScratchPool<uint32_t> ends_pool;

// Reads (bytes, maxRecords, maxRecordBytes) and scans the records; false with a pending
// exception on bad arguments or a broken limit.
bool ReadAndScan(napi_env env, napi_callback_info info, ByteView* bytes,
                 std::vector<uint32_t>* ends) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return false;
  for (size_t i = argc; i < 3; i++) napi_get_undefined(env, &argv[i]);
  uint32_t max_records = 0;
  uint32_t max_record_bytes = 0;
  if (!GetBytes(env, argv[0], "bytes", bytes)) return false;
  if (bytes->length > kMaxInputBytes) {
    ThrowCode(env, kErrBadArgument, "bytes");
    return false;
  }
  if (!GetUint32(env, argv[1], "maxRecords", &max_records)) return false;
  if (!GetUint32(env, argv[2], "maxRecordBytes", &max_record_bytes)) return false;
  switch (ScanRecordEnds(bytes->data, bytes->length, max_records, max_record_bytes, ends)) {
    case ScanResult::kOk:
      return true;
    case ScanResult::kTooManyRecords:
      ThrowCode(env, kErrTooManyRecords);
      return false;
    case ScanResult::kRecordTooLarge:
      ThrowCode(env, kErrRecordTooLarge);
      return false;
  }
  return false;
}

}  // namespace

napi_value DecodePayload(napi_env env, napi_callback_info info) {
  ByteView bytes;
  Scratch<uint32_t> ends_scratch(&ends_pool);
  std::vector<uint32_t>& ends = ends_scratch.get();
  ends.clear();
  if (!ReadAndScan(env, info, &bytes, &ends)) return nullptr;
  napi_value result;
  if (napi_create_array_with_length(env, ends.size(), &result) != napi_ok) return nullptr;
  Scratch<char16_t> units_scratch(&units_pool);
  std::vector<char16_t>& scratch = units_scratch.get();
  size_t start = 0;
  for (size_t i = 0; i < ends.size(); i++) {
    size_t end = ends[i];
    const uint8_t* record = bytes.data + start;
    size_t length = end - start;
    napi_value value;
    if (length > 0 && record[0] == 'b') {
      int64_t decoded = base64::DecodedLength(record + 1, length - 1);
      if (decoded < 0) return ThrowCode(env, kErrBadBase64);
      void* out = nullptr;
      if (napi_create_buffer(env, static_cast<size_t>(decoded), &out, &value) != napi_ok) {
        return nullptr;
      }
      if (!base64::Decode(record + 1, length - 1, static_cast<uint8_t*>(out))) {
        return ThrowCode(env, kErrBadBase64);
      }
    } else {
      if (utf8::NewString(env, record, length, &scratch, &value) != napi_ok) return nullptr;
    }
    if (napi_set_element(env, result, static_cast<uint32_t>(i), value) != napi_ok) return nullptr;
    start = end + 1;
  }
  return result;
}

namespace {

struct Part {
  bool binary;
  const uint8_t* bytes;  // binary data (may be nullptr when empty)
  size_t length;         // byte length of binary data, UTF-8 length of a string
  size_t units_start;    // a string's UTF-16 units in the scratch copy
  size_t units;
};

}  // namespace

napi_value EncodePayload(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value packets;
  if (napi_get_cb_info(env, info, &argc, &packets, nullptr, nullptr) != napi_ok) return nullptr;
  bool is_array = false;
  if (argc < 1 || napi_is_array(env, packets, &is_array) != napi_ok || !is_array) {
    return ThrowCode(env, kErrBadArgument, "packets");
  }
  uint32_t count = 0;
  if (napi_get_array_length(env, packets, &count) != napi_ok) return nullptr;

  // Read every element first: an index getter is the only way JS could run during this
  // call, and once it has run nothing can detach the memory the later passes point into.
  // Types are checked on the way (no JS runs for that), so a sparse array with a huge
  // length fails at its first hole instead of sizing vectors by its length.
  std::vector<napi_value> values;
  for (uint32_t i = 0; i < count; i++) {
    napi_value value;
    if (napi_get_element(env, packets, i, &value) != napi_ok) return nullptr;
    napi_valuetype type;
    if (napi_typeof(env, value, &type) != napi_ok) return nullptr;
    ByteView ignored;
    if (type != napi_string && (type != napi_object || !TryGetAnyBytes(env, value, &ignored))) {
      return ThrowCode(env, kErrBadArgument, "packets");
    }
    values.push_back(value);
  }
  // Strings are copied out as UTF-16 (a plain copy in V8) and transcoded here: V8's own
  // UTF-8 length and write are per-character and several times slower.
  std::vector<Part> parts(count);
  size_t total_units = 0;
  for (uint32_t i = 0; i < count; i++) {
    Part& part = parts[i];
    napi_valuetype type;
    if (napi_typeof(env, values[i], &type) != napi_ok) return nullptr;
    if (type == napi_string) {
      part.binary = false;
      if (napi_get_value_string_utf16(env, values[i], nullptr, 0, &part.units) != napi_ok) return nullptr;
      part.units_start = total_units;
      total_units += part.units;
    } else {
      ByteView view{nullptr, 0};
      TryGetAnyBytes(env, values[i], &view);
      part.binary = true;
      part.bytes = view.data;
      part.length = view.length;
    }
  }
  // One copy of every string; each terminating NUL lands on the next string's first unit
  // (or the extra last slot) and is overwritten.
  Scratch<char16_t> units_scratch(&units_pool);
  std::vector<char16_t>& units = units_scratch.get();
  units.resize(total_units + 1);
  size_t total = count > 0 ? count - 1 : 0;  // separators
  for (uint32_t i = 0; i < count; i++) {
    Part& part = parts[i];
    if (part.binary) {
      total += 1 + base64::EncodedLength(part.length);
    } else {
      size_t copied = 0;
      char16_t* dest = units.data() + part.units_start;
      if (napi_get_value_string_utf16(env, values[i], dest, part.units + 1, &copied) != napi_ok) {
        return nullptr;
      }
      part.length = utf8::LengthOfUtf16(dest, part.units);
      total += part.length;
    }
    if (total > kMaxOutputBytes) return ThrowCode(env, kErrOutputTooLarge);
  }

  void* data = nullptr;
  napi_value result;
  if (napi_create_buffer(env, total, &data, &result) != napi_ok) return nullptr;
  uint8_t* out = static_cast<uint8_t*>(data);
  for (uint32_t i = 0; i < count; i++) {
    const Part& part = parts[i];
    if (i > 0) *out++ = kRecordSeparator;
    if (part.binary) {
      *out++ = 'b';
      base64::Encode(part.bytes, part.length, out);
      out += base64::EncodedLength(part.length);
    } else {
      utf8::EncodeUtf16(units.data() + part.units_start, part.units, out);
      out += part.length;
    }
  }
  return result;
}

}  // namespace hyperio
