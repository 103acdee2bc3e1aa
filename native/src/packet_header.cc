#include "packet_header.h"

#include <vector>

#include "args.h"
#include "errors.h"

namespace hyperio {

namespace {

// Digit bounds: attacker-supplied numbers are never read further than this, so the work
// per header is bounded by the namespace length alone.
constexpr int kMaxAttachmentDigits = 10;
constexpr int kMaxAckIdDigits = 15;  // < 2^53: every id is an exact JS number
constexpr size_t kStringPrefix = 256;  // UTF-16 units copied before we know we need more

enum class Status { kOk, kNeedMore, kBadType, kBadAttachments, kTooManyAttachments, kBadAckId };

struct Header {
  double type, attachments, nsp_start, nsp_end, ack_id, data_start;
};

inline bool IsDigit(uint32_t c) { return c - '0' < 10; }

// `avail` units of `d` are readable; the input is `n` units long. Reading at or past
// `avail` while `avail < n` returns kNeedMore (the caller then supplies the whole input).
template <typename C>
Status Scan(const C* d, size_t avail, size_t n, uint32_t max_attachments, Header* h) {
#define AT(j) ((j) < avail ? static_cast<uint32_t>(d[j]) : (more = true, 0u))
  bool more = false;
  if (n == 0) return Status::kBadType;
  uint32_t c = AT(0);
  if (more) return Status::kNeedMore;
  if (c < '0' || c > '6') return Status::kBadType;
  h->type = c - '0';
  h->attachments = 0;
  size_t i = 0;  // index of the last header unit consumed
  if (c == '5' || c == '6') {
    size_t j = 1;
    uint64_t value = 0;
    int digits = 0;
    while (j < n && digits < kMaxAttachmentDigits) {
      uint32_t u = AT(j);
      if (more) return Status::kNeedMore;
      if (!IsDigit(u)) break;
      value = value * 10 + (u - '0');
      j++;
      digits++;
    }
    uint32_t dash = j < n ? AT(j) : 0;
    if (more) return Status::kNeedMore;
    if (digits == 0 || dash != '-' || value < 1) return Status::kBadAttachments;
    if (value > max_attachments) return Status::kTooManyAttachments;
    h->attachments = static_cast<double>(value);
    i = j;
  }
  h->nsp_start = -1;
  h->nsp_end = -1;
  if (i + 1 < n) {
    uint32_t u = AT(i + 1);
    if (more) return Status::kNeedMore;
    if (u == '/') {
      size_t j = i + 1;
      while (j < n) {
        uint32_t v = AT(j);
        if (more) return Status::kNeedMore;
        if (v == ',') break;
        j++;
      }
      h->nsp_start = static_cast<double>(i + 1);
      h->nsp_end = static_cast<double>(j);
      i = j;
    }
  }
  h->ack_id = -1;
  if (i + 1 < n) {
    uint32_t u = AT(i + 1);
    if (more) return Status::kNeedMore;
    if (IsDigit(u)) {
      size_t j = i + 1;
      uint64_t value = 0;
      int digits = 0;
      while (j < n) {
        uint32_t v = AT(j);
        if (more) return Status::kNeedMore;
        if (!IsDigit(v)) break;
        if (++digits > kMaxAckIdDigits) return Status::kBadAckId;
        value = value * 10 + (v - '0');
        j++;
      }
      h->ack_id = static_cast<double>(value);
      i = j - 1;
    }
  }
  h->data_start = static_cast<double>(i + 1 < n ? i + 1 : n);
  return Status::kOk;
#undef AT
}

}  // namespace

napi_value ScanPacketHeader(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  for (size_t i = argc; i < 3; i++) napi_get_undefined(env, &argv[i]);

  napi_valuetype input_type;
  if (napi_typeof(env, argv[0], &input_type) != napi_ok) return nullptr;
  ByteView bytes{nullptr, 0};
  if (input_type != napi_string && !GetBytes(env, argv[0], "input", &bytes)) return nullptr;
  uint32_t max_attachments = 0;
  if (!GetUint32(env, argv[1], "maxAttachments", &max_attachments)) return nullptr;
  bool is_typed = false;
  napi_typedarray_type out_type;
  size_t out_length = 0;
  void* out_data = nullptr;
  if (napi_is_typedarray(env, argv[2], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[2], &out_type, &out_length, &out_data, nullptr,
                               nullptr) != napi_ok ||
      out_type != napi_float64_array || out_length < 6) {
    return ThrowCode(env, kErrBadArgument, "out");
  }

  Header h;
  Status status;
  if (input_type == napi_string) {
    size_t n = 0;
    if (napi_get_value_string_utf16(env, argv[0], nullptr, 0, &n) != napi_ok) return nullptr;
    char16_t prefix[kStringPrefix + 1];
    size_t avail = 0;
    napi_get_value_string_utf16(env, argv[0], prefix, kStringPrefix + 1, &avail);
    status = Scan(prefix, avail, n, max_attachments, &h);
    if (status == Status::kNeedMore) {
      // A namespace longer than the prefix: copy the whole string once.
      std::vector<char16_t> whole(n + 1);
      napi_get_value_string_utf16(env, argv[0], whole.data(), n + 1, &avail);
      status = Scan(whole.data(), avail, n, max_attachments, &h);
    }
  } else {
    status = Scan(bytes.data, bytes.length, bytes.length, max_attachments, &h);
  }

  switch (status) {
    case Status::kOk:
      break;
    case Status::kNeedMore:  // unreachable: the whole input was available
    case Status::kBadType:
      return ThrowCode(env, kErrBadPacketType);
    case Status::kBadAttachments:
      return ThrowCode(env, kErrBadAttachments);
    case Status::kTooManyAttachments:
      return ThrowCode(env, kErrTooManyAttachments);
    case Status::kBadAckId:
      return ThrowCode(env, kErrBadAckId);
  }
  double* out = static_cast<double*>(out_data);
  out[0] = h.type;
  out[1] = h.attachments;
  out[2] = h.nsp_start;
  out[3] = h.nsp_end;
  out[4] = h.ack_id;
  out[5] = h.data_start;
  return nullptr;
}

}  // namespace hyperio
