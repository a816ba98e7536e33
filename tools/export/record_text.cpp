// Presentation text of zone records: wire form -> ldns_rr -> ldns's own printer.
#include "export/record_text.hpp"

#include "wire/c_ptr.hpp"
#include "wire/constants.hpp"

// After the standard headers: ldns defines bool/true/false as macros when it thinks C lacks them.
#include <ldns/ldns.h>

namespace sipdns::tools {
namespace {

using rr_ptr = wire::c_ptr<ldns_rr, ldns_rr_free>;

rr_ptr to_ldns(const zone::record& r) {
  std::string bytes = r.owner;
  uint8_t fixed[wire::rr_fixed_size];
  wire::put16(fixed, r.type);
  wire::put16(fixed + 2, wire::rr_class::in);
  wire::put32(fixed + 4, r.ttl);
  wire::put16(fixed + 8, uint16_t(r.rdata.size()));
  bytes.append(reinterpret_cast<const char*>(fixed), sizeof fixed);
  bytes.append(r.rdata);
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  if (ldns_wire2rr(&rr, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &pos,
                   LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
    return nullptr;
  return rr_ptr(rr);
}

std::string print(const ldns_rr* rr) {
  wire::c_string text(ldns_rr2str(rr));
  if (!text) return "; unprintable record";
  std::string out(text.get());
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

std::string record_text(const zone::record& r) {
  rr_ptr rr = to_ldns(r);
  return rr ? print(rr.get()) : "; unprintable record";
}

std::string canonical_text(const zone::record& r) {
  rr_ptr rr = to_ldns(r);
  if (!rr) return "; unprintable record";
  ldns_rr2canonical(rr.get());
  return print(rr.get());
}

}  // namespace sipdns::tools
