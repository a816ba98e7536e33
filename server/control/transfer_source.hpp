// What a version serves, kept so that a zone transfer can derive it again off the loop.
//
// Design: the snapshot holds compiled answers, not records, and keeping every record of
// every version would copy a million-record zone per health change. A version is instead
// remembered by its inputs (zone set, health view, drains, served serials), which are shared
// or small; a transfer re-derives from them on a worker thread, and since an overlay version
// equals the whole build of the same inputs (control_incremental_test), the transfer is
// exactly what the version answers.
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "control/serving.hpp"
#include "xfr/acl.hpp"
#include "xfr/axfr.hpp"
#include "zone/model.hpp"

namespace sipdns::control {

struct transfer_source {
  std::shared_ptr<const zone::zone_set> set;
  std::shared_ptr<const serving> sv;  // of `set`
  health_view view;
  std::set<std::string> drained;
  std::vector<uint32_t> serials;  // served SOA serial, by zone of `set`
};

// The reply to an AXFR or IXFR for `qname` at `src`: NOTAUTH for a zone we do not serve,
// else the whole zone (an IXFR gets the full transfer, which RFC 1995 section 4 allows).
std::vector<xfr::message> transfer_messages(const transfer_source& src,
                                            std::span<const uint8_t> query, size_t question_end,
                                            const wire::name& qname);

}  // namespace sipdns::control
