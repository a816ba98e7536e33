// Domain names in wire form: the representation every module shares.
//
// A name is a std::string holding uncompressed wire bytes, absolute (ends with the root label
// 0x00) and, once it is a key, lower-cased. Text conversion for zone files lives in zone/ (ldns).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sipdns::wire {

using name = std::string;

// Lower-cases ASCII letters of a wire name in place (RFC 4343: case-insensitive, ASCII only).
void name_lower(uint8_t* bytes, size_t len);
name name_lowered(std::string_view wire);

// Number of labels, not counting the root.
size_t name_label_count(std::string_view wire);
// Wire name with its first `n` labels removed (a suffix view of the same bytes).
std::string_view name_strip_labels(std::string_view wire, size_t n);
// True when `child` equals `parent` or lies below it (both lower-cased).
bool name_is_below_or_at(std::string_view child, std::string_view parent);
// True when the first label is "*": a wildcard owner (RFC 4592 2.1.1).
inline bool name_is_wildcard(std::string_view wire) {
  return wire.size() >= 2 && wire[0] == 1 && wire[1] == '*';
}
// Presentation form with trailing dot ("uctest.local."), escaping as RFC 1035 5.1.
std::string name_to_text(std::string_view wire);
// Prepends one text label (no escapes) to a wire name.
name name_prepend(std::string_view label, std::string_view wire);

}  // namespace sipdns::wire
