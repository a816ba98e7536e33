// A fast path for the `records` strings most zones are made of (A, AAAA, CNAME, NS, PTR, MX,
// SRV, TXT in their plain forms), without ldns. Big zones are a million of these, and ldns
// allocates a dozen objects per record; this path allocates only the record's own strings.
#pragma once
#include <cstdint>
#include <string_view>

#include "zone/model.hpp"

namespace sipdns::zone::detail {

// Fills owner, type, ttl and rdata exactly as ldns would (the names lower-cased, rdata in
// uncompressed wire form) and returns true when `text` is in the plain form; returns false,
// leaving `out` unspecified, for anything else: escapes, quotes outside TXT, parentheses,
// comments, other classes or types, TTL units, out-of-range values, malformed data. Those
// go to ldns, which also words every error. `text` has no leading blank.
bool parse_plain_record(std::string_view text, std::string_view origin, uint32_t default_ttl,
                        record& out);

}  // namespace sipdns::zone::detail
