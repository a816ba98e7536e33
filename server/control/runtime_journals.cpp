// runtime's IXFR journals: started by whole builds (resumed from the state directory at
// start-up), one step appended per zone a health change or drain changed.
#include <utility>

#include "control/runtime.hpp"
#include "wire/name.hpp"

namespace sipdns::control {

void runtime::start_journals(const zone::zone_set& set, const served_map& saved,
                             const served_map& now, std::string& log) {
  const bool starting = !std::exchange(journals_started_, true);
  journals_.assign(set.zones.size(), nullptr);
  for (uint32_t z = 0; z < set.zones.size(); ++z) {
    const wire::name& origin = set.zones[z].origin;
    if (!starting) {
      journal_files_.reset(origin, {}, log);  // a reload: the changes of the edit are unknown
      continue;
    }
    const std::string text = wire::name_to_text(origin);
    auto was = saved.find(text), is = now.find(text);
    // The journal's steps end at the saved serial; they lead to what is served now only when
    // neither the serial nor the answers moved while the server was down.
    if (was != saved.end() && is != now.end() && was->second.serial == is->second.serial &&
        was->second.fingerprint == is->second.fingerprint)
      journals_[z] = journal_files_.resume(origin, is->second.serial, log);
    else
      journal_files_.reset(origin, "serial changed at start", log);
  }
}

void runtime::record_step(const zone_change& c, const wire::name& origin, uint32_t from,
                          std::string& log) {
  auto step = std::make_shared<xfr::ixfr_step>();
  step->from = from;
  step->to = from + 1;
  step->removed = c.removed;
  step->added = c.added;
  journals_[c.zone] = journal_with(journals_[c.zone], step);
  // On disk (fsync'd) before the version that serves `to` is published.
  journal_files_.append(origin, *step, *journals_[c.zone], log);
}

}  // namespace sipdns::control
