// Reading names and records of a received DNS message, bounds-checked (transfers, NOTIFY
// answers, TSIG): nothing here is on the query path.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace sipdns::xfr::walk {

// Offset past the (possibly compressed) name at `at`; 0 when it runs off the message.
size_t skip_name(std::span<const uint8_t> m, size_t at);
// The name at `at`, decompressed and lower-cased, into `out`; the offset past it or 0.
size_t read_name(std::span<const uint8_t> m, size_t at, std::string& out);
// Offset past the resource record at `at` (name, fixed fields, rdata); 0 when malformed.
size_t skip_rr(std::span<const uint8_t> m, size_t at);

}  // namespace sipdns::xfr::walk
