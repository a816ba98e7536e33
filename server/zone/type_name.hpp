// Presentation name of an RR type, for messages: "SRV", or "TYPE65400" for a type without a
// mnemonic (RFC 3597 section 5). Public zone API: the builder's errors use it too.
#pragma once
#include <cstdint>
#include <string>

namespace sipdns::zone {

std::string type_name(uint16_t type);

}  // namespace sipdns::zone
