#include "records.h"

#include <cstring>

namespace hyperio {

ScanResult ScanRecordEnds(const uint8_t* data, size_t length, uint32_t max_records,
                          uint32_t max_record_bytes, std::vector<uint32_t>* ends) {
  size_t start = 0;
  size_t count = 0;
  for (;;) {
    // 64-bit arithmetic: max_record_bytes + 1 must not wrap where size_t is 32 bits.
    uint64_t limit = static_cast<uint64_t>(max_record_bytes) + 1;
    size_t window = length - start;
    bool bounded = false;
    if (static_cast<uint64_t>(window) > limit) {
      window = static_cast<size_t>(limit);
      bounded = true;
    }
    const void* hit = window == 0 ? nullptr : memchr(data + start, kRecordSeparator, window);
    if (++count > max_records) return ScanResult::kTooManyRecords;
    if (hit == nullptr && bounded) return ScanResult::kRecordTooLarge;
    size_t end = hit == nullptr ? length : static_cast<size_t>(static_cast<const uint8_t*>(hit) - data);
    if (end - start > max_record_bytes) return ScanResult::kRecordTooLarge;
    ends->push_back(static_cast<uint32_t>(end));
    if (hit == nullptr) return ScanResult::kOk;
    start = end + 1;
  }
}

}  // namespace hyperio
