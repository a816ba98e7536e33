// Zone transfers from a version's inputs and its zones' journals.
#include "control/transfer_source.hpp"

#include <algorithm>

#include "wire/constants.hpp"

namespace sipdns::control {

std::shared_ptr<const journal> journal_with(const std::shared_ptr<const journal>& j,
                                            xfr::step_ptr step) {
  auto out = std::make_shared<journal>(j ? *j : journal{});
  out->push_back(std::move(step));
  size_t records = 0;
  for (const auto& s : *out) records += s->removed.size() + s->added.size();
  size_t drop = 0;
  while (out->size() - drop > 1 &&
         (out->size() - drop > journal_max_steps || records > journal_max_records)) {
    records -= (*out)[drop]->removed.size() + (*out)[drop]->added.size();
    ++drop;
  }
  out->erase(out->begin(), out->begin() + long(drop));
  return out;
}

std::vector<bool> plain_zones(const zone::zone_set& set,
                              const std::vector<zone::expanded_zone>& unfiltered) {
  std::vector<bool> plain(set.zones.size(), false);
  if (unfiltered.size() != set.zones.size()) return plain;
  auto same = [](const zone::record& a, const zone::record& b) {
    return a.type == b.type && a.ttl == b.ttl && a.owner == b.owner && a.rdata == b.rdata;
  };
  for (size_t z = 0; z < plain.size(); ++z) {
    const zone::expanded_zone& e = unfiltered[z];
    const auto& file = set.zones[z].records;
    const auto& served = e.records;
    // Lent records (zone/derive.hpp) are the file's: plain unless something was added or a
    // TTL lowered.
    const bool equal = e.lent ? served.size() == e.lent && e.lent_ttls.empty()
                              : file.size() == served.size() &&
                                    std::equal(file.begin(), file.end(), served.begin(), same);
    plain[z] = e.origin == set.zones[z].origin && e.empty_names.empty() && equal;
  }
  return plain;
}

namespace {
// The steps from `from` to `current`, or nothing when the journal does not reach `from`.
std::vector<xfr::step_ptr> steps_from(const journal* j, uint32_t from, uint32_t current) {
  if (j == nullptr) return {};
  for (size_t i = 0; i < j->size(); ++i) {
    if ((*j)[i]->from != from) continue;
    std::vector<xfr::step_ptr> chain((*j).begin() + long(i), (*j).end());
    for (size_t k = 1; k < chain.size(); ++k)
      if (chain[k]->from != chain[k - 1]->to) return {};
    if (chain.back()->to != current) return {};
    return chain;
  }
  return {};
}
}  // namespace

transfer_result transfer_messages(const transfer_source& src, std::span<const uint8_t> query,
                                  size_t question_end, const wire::name& qname, uint16_t qtype) {
  const zone::zone_set& set = *src.set;
  for (uint32_t z = 0; z < set.zones.size(); ++z) {
    if (set.zones[z].origin != qname) continue;
    const uint32_t current = z < src.serials.size() ? src.serials[z] : 0;
    transfer_result r;
    r.kind = "AXFR";
    r.messages_serial = current;
    if (qtype == wire::rr_type::ixfr) {
      r.kind = "IXFR, full";
      if (auto theirs = xfr::ixfr_query_serial(query, question_end)) {
        const zone::record& soa = set.zones[z].soa;
        if (*theirs == current) {
          r.kind = "IXFR, up to date";
          r.messages = xfr::ixfr_messages(query, question_end, soa, current, {});
          return r;
        }
        const journal* j = z < src.journals.size() ? src.journals[z].get() : nullptr;
        if (auto steps = steps_from(j, *theirs, current); !steps.empty()) {
          r.kind = "IXFR";
          r.steps = steps.size();
          r.messages = xfr::ixfr_messages(query, question_end, soa, current, steps);
          return r;
        }
      }
    }
    if (src.plain && z < src.plain->size() && (*src.plain)[z]) {
      r.messages = xfr::axfr_messages(query, question_end, set.zones[z].soa,
                                      set.zones[z].records, current);
      return r;
    }
    // Every zone is derived: a cluster of one zone adds PTR records to reverse zones.
    std::vector<zone::expanded_zone> zones =
        zone::derive(set, src.sv->usable(src.view), src.sv->withheld(src.drained));
    for (const zone::expanded_zone& e : zones)
      if (e.origin == qname) {
        r.messages = xfr::axfr_messages(query, question_end, e, current);
        return r;
      }
  }
  return {{xfr::error_reply(query, question_end, uint16_t(wire::rcode::notauth))}, "NOTAUTH", 0};
}

}  // namespace sipdns::control
