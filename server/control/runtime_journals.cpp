// runtime's IXFR journals: a whole build (start-up, reload, a health change that cannot be
// applied in place) continues each zone's journal with one step, the difference between
// what the zone served before and what it serves now; start-up resumes the state
// directory's files. A health change or drain appends the step the incremental build found.
#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "control/runtime.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"

namespace sipdns::control {
namespace {

using records = std::vector<zone::record>;

// Records of `old` not in `now` and of `now` not in `old` (SOA aside; each zone's records
// are already distinct), or nullopt when more than `max` differ: then a whole transfer is
// cheaper for the secondary than the sequences. Sorted views, no copy of the unchanged.
std::optional<std::pair<records, records>> difference(const records& old, const records& now,
                                                      size_t max) {
  auto key = [](const zone::record* r) {
    return std::tie(r->owner, r->type, r->rdata, r->ttl);
  };
  auto sorted = [&](const records& in) {
    std::vector<const zone::record*> v;
    v.reserve(in.size());
    for (const zone::record& r : in)
      if (r.type != wire::rr_type::soa) v.push_back(&r);
    std::sort(v.begin(), v.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
    return v;
  };
  const auto a = sorted(old), b = sorted(now);
  std::pair<records, records> out;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && key(a[i]) < key(b[j]))) out.first.push_back(*a[i++]);
    else if (i == a.size() || key(b[j]) < key(a[i])) out.second.push_back(*b[j++]);
    else ++i, ++j;
    if (out.first.size() + out.second.size() > max) return std::nullopt;
  }
  return out;
}

}  // namespace

void runtime::start_journals(const std::vector<zone::expanded_zone>& zones,
                             const served_map& saved, const served_map& now, std::string& log) {
  const bool starting = !std::exchange(journals_started_, true);
  std::shared_ptr<const transfer_source> before;
  {
    std::lock_guard lock(mu_);
    before = source_;
  }
  std::vector<std::shared_ptr<const journal>> kept(zones.size());
  std::optional<std::vector<zone::expanded_zone>> served_before;  // derived once, if needed
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const wire::name& origin = zones[z].origin;
    const std::string text = wire::name_to_text(origin);
    auto was = saved.find(text), is = now.find(text);
    const bool known = was != saved.end() && is != now.end();
    const bool same = known && was->second.serial == is->second.serial &&
                      was->second.fingerprint == is->second.fingerprint;
    if (starting) {
      // The file's steps end at the saved serial; they lead to what is served now only when
      // neither the serial nor the answers moved while the server was down.
      if (same) kept[z] = journal_files_.resume(origin, is->second.serial, log);
      else journal_files_.reset(origin, "serial changed at start", log);
      continue;
    }
    std::shared_ptr<const journal> old;
    std::optional<uint32_t> old_index;
    if (before)
      for (uint32_t o = 0; o < before->set->zones.size(); ++o)
        if (before->set->zones[o].origin == origin) old_index = o;
    if (old_index && *old_index < journals_.size()) old = journals_[*old_index];
    if (same) {  // this zone's answers did not move: its journal goes on as it was
      kept[z] = old;
      continue;
    }
    if (!known || !old_index) {
      journal_files_.reset(origin, {}, log);  // a zone new to this build
      continue;
    }
    if (!served_before)
      served_before = zone::derive(*before->set, before->sv->usable(before->view),
                                   before->sv->withheld(before->drained));
    const zone::expanded_zone* prior = nullptr;
    for (const zone::expanded_zone& e : *served_before)
      if (e.origin == origin) prior = &e;
    auto diff = prior ? difference(prior->records, zones[z].records, journal_max_records)
                      : std::nullopt;
    if (!diff) {
      journal_files_.reset(origin, "too many changes for an incremental transfer", log);
      continue;
    }
    auto step = std::make_shared<xfr::ixfr_step>();
    step->from = was->second.serial;
    step->to = is->second.serial;
    step->removed = std::move(diff->first);
    step->added = std::move(diff->second);
    kept[z] = journal_with(old, step);
    journal_files_.append(origin, *step, *kept[z], log);
  }
  journals_ = std::move(kept);
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
