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
#include "xfr/ixfr.hpp"
#include "zone/model.hpp"

namespace sipdns::control {

// A zone's recorded changes, oldest first, each from one serial to the next (bounded:
// journal_max_steps and journal_max_records; older ones are dropped).
using journal = std::vector<xfr::step_ptr>;
inline constexpr size_t journal_max_steps = 256;
inline constexpr size_t journal_max_records = 100'000;
// `j` with `step` appended and the oldest steps dropped past the bounds.
std::shared_ptr<const journal> journal_with(const std::shared_ptr<const journal>& j,
                                            xfr::step_ptr step);

struct transfer_source {
  std::shared_ptr<const zone::zone_set> set;
  std::shared_ptr<const serving> sv;  // of `set`
  health_view view;
  std::set<std::string> drained;
  std::vector<uint32_t> serials;  // served SOA serial, by zone of `set`
  std::vector<std::shared_ptr<const journal>> journals;  // by zone of `set`; may be null
  // By zone of `set`: its file's records are exactly what it serves under any health view
  // (no cluster derives into it, nothing to merge), so an AXFR sends them as they are,
  // without deriving every zone again. May be null (none is).
  std::shared_ptr<const std::vector<bool>> plain;
};

// Which zones of `set` are plain (above), from `unfiltered`: derive(set) with every peer
// usable, zone for zone. Filtering only removes derived records, so a zone that gets none
// unfiltered gets none under any view.
std::vector<bool> plain_zones(const zone::zone_set& set,
                              const std::vector<zone::expanded_zone>& unfiltered);

struct transfer_result {
  std::vector<xfr::message> messages;
  std::string kind;  // "AXFR", "IXFR" (incremental), "IXFR, full" (journal too short),
                     // "IXFR, up to date", "NOTAUTH"
  size_t steps = 0;  // difference sequences of an incremental IXFR
  uint32_t messages_serial = 0;  // the serial the secondary has after it
};

// The reply to an AXFR or IXFR (`qtype`) for `qname` at `src`: NOTAUTH for a zone we do not
// serve; for an IXFR from a serial the journal reaches, the difference sequences (RFC 1995
// section 4), from the current serial the single SOA, else the whole zone.
transfer_result transfer_messages(const transfer_source& src, std::span<const uint8_t> query,
                                  size_t question_end, const wire::name& qname, uint16_t qtype);

}  // namespace sipdns::control
