// Zone transfers from a version's inputs.
#include "control/transfer_source.hpp"

#include "wire/constants.hpp"

namespace sipdns::control {

std::vector<xfr::message> transfer_messages(const transfer_source& src,
                                            std::span<const uint8_t> query, size_t question_end,
                                            const wire::name& qname) {
  const zone::zone_set& set = *src.set;
  for (uint32_t z = 0; z < set.zones.size(); ++z) {
    if (set.zones[z].origin != qname) continue;
    // Every zone is derived: a cluster of one zone adds PTR records to reverse zones.
    std::vector<zone::expanded_zone> zones =
        zone::derive(set, src.sv->usable(src.view), src.sv->withheld(src.drained));
    for (const zone::expanded_zone& e : zones)
      if (e.origin == qname)
        return xfr::axfr_messages(query, question_end, e,
                                  z < src.serials.size() ? src.serials[z] : 0);
  }
  return {xfr::error_reply(query, question_end, uint16_t(wire::rcode::notauth))};
}

}  // namespace sipdns::control
