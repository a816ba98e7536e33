// Parses one `records` string (RFC 1035 presentation form) into a zone::record.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "zone/model.hpp"
#include "zone/type_name.hpp"

namespace sipdns::zone::detail {

struct parsed_record {
  std::optional<record> rec;
  std::string error;  // set when rec is empty: why the text is rejected
};

// Relative names are relative to `origin` (wire form), "@" is the origin, a missing TTL is
// `default_ttl`. Rejects what a zone's `records` must not hold (SOA, DNAME, OPT, meta types,
// classes other than IN, owners outside the zone, wildcards).
// Plain records (rr_fast.hpp) skip ldns; the rest, and every error, go through ldns.
parsed_record parse_record(std::string_view text, std::string_view origin, uint32_t default_ttl);
// The same through ldns only: the reference the fast path is tested against.
parsed_record parse_record_ldns(std::string_view text, std::string_view origin,
                                uint32_t default_ttl);

}  // namespace sipdns::zone::detail
