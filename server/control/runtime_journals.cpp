// runtime's IXFR journals: a whole build (start-up, reload, a health change that cannot be
// applied in place) continues each zone's journal with one step, the difference between
// what the zone served before and what it serves now; start-up resumes the state
// directory's files. A health change or drain appends the step the incremental build found.
#include <algorithm>
#include <optional>
#include <utility>

#include "control/incremental.hpp"
#include "control/runtime.hpp"
#include "wire/prefetch.hpp"
#include "zone/index_table.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"

namespace sipdns::control {
namespace {

using records = std::vector<zone::record>;

// What a zone serves now, as a whole build left it: the set's explicit records (with their
// served TTLs) and the expansion's other records, or the expansion alone (zone::give_back).
class served_now {
 public:
  served_now(const zone::zone& z, const zone::expanded_zone& e)
      : set_(e.returned ? z.records.data() : nullptr), returned_(e.returned), e_(e),
        rest_(e.records) {}
  size_t size() const { return returned_ + rest_.size(); }
  // The record at `i`; `tmp` holds a copy when its served TTL differs from the set's.
  const zone::record& at(size_t i, zone::record& tmp) const {
    if (i >= returned_) return rest_[i - returned_];
    const uint32_t ttl = zone::served_ttl(e_, i, set_[i].ttl);
    if (ttl == set_[i].ttl) return set_[i];
    tmp = set_[i];
    tmp.ttl = ttl;
    return tmp;
  }

 private:
  const zone::record* set_;
  size_t returned_;
  const zone::expanded_zone& e_;
  const records& rest_;
};

// Records of `old` not in `now` and of `now` not in `old` (SOA aside; each zone's records
// are already distinct), or nullopt when more than `max` differ: then a whole transfer is
// cheaper for the secondary than the sequences. A hash join over indexes (a million records
// per side: sorting them by owner and rdata took most of a reload), no copy of the unchanged.
std::optional<std::pair<records, records>> difference(const records& old, const served_now& now,
                                                      size_t max) {
  auto same = [](const zone::record& a, const zone::record& b) {
    return a.type == b.type && a.ttl == b.ttl && a.owner == b.owner && a.rdata == b.rdata;
  };
  zone::index_table table(old.size());
  auto hashed = [&table](const zone::record& r) {
    uint64_t h = record_hash(r);
    table.prefetch(h);
    return h;
  };
  wire::for_each_prefetched(
      old.size(), [&](size_t i) { return hashed(old[i]); },
      [&](size_t i, uint64_t h) {
        if (old[i].type != wire::rr_type::soa)
          table.insert(h, uint32_t(i), [&](uint32_t j) { return same(old[i], old[j]); });
      });
  std::vector<bool> matched(old.size());
  std::pair<records, records> out;
  bool over = false;
  zone::record tmp, tmp_ahead;
  wire::for_each_prefetched(
      now.size(), [&](size_t i) { return hashed(now.at(i, tmp_ahead)); },
      [&](size_t i, uint64_t h) {
        const zone::record& r = now.at(i, tmp);
        if (over || r.type == wire::rr_type::soa) return;
        uint32_t j = table.find(h, [&](uint32_t k) { return same(old[k], r); });
        if (j != zone::index_table::missing) matched[j] = true;
        else out.second.push_back(r), over = out.second.size() > max;
      });
  if (over) return std::nullopt;
  for (size_t i = 0; i < old.size(); ++i) {
    if (matched[i] || old[i].type == wire::rr_type::soa) continue;
    out.first.push_back(old[i]);
    if (out.first.size() + out.second.size() > max) return std::nullopt;
  }
  return out;
}

}  // namespace

void runtime::start_journals(const zone::zone_set& set,
                             const std::vector<zone::expanded_zone>& zones,
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
    if (!change_journals_) {  // nobody can ask for the step: its file ends here
      journal_files_.reset(origin, "no transfers allowed", log);
      continue;
    }
    if (!served_before)
      served_before = zone::derive(*before->set, before->sv->usable(before->view),
                                   before->sv->withheld(before->drained));
    auto step = step_between(*served_before, set.zones[z], zones[z]);
    if (!step) {
      journal_files_.reset(origin, "too many changes for an incremental transfer", log);
      continue;
    }
    step->from = was->second.serial;
    step->to = is->second.serial;
    kept[z] = journal_with(old, step);
    journal_files_.append(origin, *step, *kept[z], log);
  }
  journals_ = std::move(kept);
}

std::shared_ptr<xfr::ixfr_step> runtime::step_between(
    const std::vector<zone::expanded_zone>& before, const zone::zone& z,
    const zone::expanded_zone& now) {
  const zone::expanded_zone* prior = nullptr;
  for (const zone::expanded_zone& e : before)
    if (e.origin == now.origin) prior = &e;
  if (!prior) return nullptr;
  auto diff = difference(prior->records, served_now(z, now), journal_max_records);
  if (!diff) return nullptr;
  auto step = std::make_shared<xfr::ixfr_step>();
  step->removed = std::move(diff->first);
  step->added = std::move(diff->second);
  return step;
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
