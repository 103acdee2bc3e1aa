// Splitting an Engine.IO polling body on the record separator 0x1E, with the limits
// checked while scanning, before anything is allocated on the JS heap.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hyperio {

constexpr uint8_t kRecordSeparator = 0x1E;

enum class ScanResult { kOk, kTooManyRecords, kRecordTooLarge };

// Appends the end offset of each record (the index of its separator, or `length` for the
// last one) to `ends`. Left to right, each record is first counted against max_records,
// then measured against max_record_bytes; the first violation wins. A body of n
// separators has n + 1 records (an empty body is one empty record). The search for a
// separator never reads more than max_record_bytes + 1 bytes past a record's start.
ScanResult ScanRecordEnds(const uint8_t* data, size_t length, uint32_t max_records,
                          uint32_t max_record_bytes, std::vector<uint32_t>* ends);

}  // namespace hyperio
