// Zone records as RFC 1035 presentation text, through ldns, so that the text is what other
// servers (BIND, NSD, Knot) read; and the canonical form that compares two record sets.
#pragma once
#include <string>

#include "zone/model.hpp"

namespace sipdns::tools {

// "owner<TAB>ttl<TAB>IN<TAB>TYPE<TAB>rdata", no newline; "; unprintable record" if ldns
// cannot decode it.
std::string record_text(const zone::record& r);

// The same after RFC 4034 section 6.2 canonicalisation (names in owner and rdata
// lower-cased): two records are the same DNS data exactly when these texts are equal.
std::string canonical_text(const zone::record& r);

}  // namespace sipdns::tools
