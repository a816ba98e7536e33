// Expands clusters into records (SRV, NAPTR, round-robin and peer A/AAAA, PTR) beside the
// explicit ones, then merges duplicates and equalises RRset TTLs.
#include "zone/derive.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "wire/constants.hpp"
#include "wire/prefetch.hpp"
#include "zone/index_table.hpp"
#include "zone/names.hpp"

namespace sipdns::zone {
namespace {

void put16(std::string& out, uint16_t v) {
  out.push_back(char(v >> 8));
  out.push_back(char(v & 0xFF));
}

void put_string(std::string& out, std::string_view s) {  // RFC 1035 <character-string>
  out.push_back(char(s.size()));
  out.append(s);
}

}  // namespace

wire::name srv_name(const service_info& s, const wire::name& owner) {
  std::string_view prefix = s.srv_prefix;
  size_t dot = prefix.find('.');
  return wire::name_prepend(prefix.substr(0, dot),
                            wire::name_prepend(prefix.substr(dot + 1), owner));
}

namespace {

// Hash keys for the whole-zone passes (a million records: no tree, no allocation per key).
using rrset_key = std::pair<std::string_view, uint16_t>;
struct key_hash {
  size_t operator()(const rrset_key& k) const {
    return std::hash<std::string_view>{}(k.first) * 31 + k.second;
  }
};

// A derived record's standing before the all-down policy is applied.
// withheld: drained by the operator, never added back by the all-down policy.
enum class state : uint8_t { plain, kept, filtered, withheld };
struct mark {
  state st = state::plain;  // plain: not subject to the filter (explicit, peer host, PTR, NAPTR)
  bool fail_open = false;   // the contributing cluster's all-down policy is serve-all
};

// Design: health-filtered records (SRV, round-robin A/AAAA) are placed like any other but
// marked, kept or filtered out, with whether their cluster fails open. Once every cluster has
// contributed, each marked RRset is settled as a whole: clusters sharing an owner (a primary
// and its backup) form one RRset, so the all-down policy can only be judged after all of them.
class builder {
 public:
  // `lend`: the set's records move into the result (derive_lending), else they are copied.
  builder(const zone_set& set, const peer_filter& usable, const peer_filter& withheld,
          zone_set* lend = nullptr)
      : set_(set), usable_(usable), withheld_(withheld) {
    for (size_t zi = 0; zi < set.zones.size(); ++zi) {
      const zone& z = set.zones[zi];
      for (const auto& r : z.records)
        if (r.type == wire::rr_type::ptr) explicit_ptr_.insert(r.owner);
      marks_.emplace_back(z.records.size());
      expanded_zone& e = out_.emplace_back();
      e.origin = z.origin;
      e.soa = z.soa;
      if (!lend) {
        e.records = z.records;
        continue;
      }
      e.records = std::move(lend->zones[zi].records);
      e.lent = e.records.size();
    }
  }

  std::vector<expanded_zone> run() {
    for (size_t zi = 0; zi < set_.zones.size(); ++zi) {
      const zone& z = set_.zones[zi];
      for (size_t ci = 0; ci < z.clusters.size(); ++ci) expand(z, ci, peer_ref{zi, ci, 0});
    }
    for (size_t zi = 0; zi < out_.size(); ++zi) settle(zi);
    for (auto& z : out_) normalise(z);
    return std::move(out_);
  }

 private:
  state standing(peer_ref ref, std::optional<service> s) const {
    if (withheld_ && withheld_(ref, s)) return state::withheld;
    return !usable_ || usable_(ref, s) ? state::kept : state::filtered;
  }

  void place(wire::name owner, uint16_t type, uint32_t ttl, std::string rdata,
             const source_pos& where, mark m = {}) {
    if (auto zi = find_zone(set_, owner)) {
      out_[*zi].records.push_back({std::move(owner), type, ttl, std::move(rdata), where});
      marks_[*zi].push_back(m);
    }
  }

  void addresses(const wire::name& owner, const peer& p, uint32_t ttl, mark m = {}) {
    if (p.ipv4)
      place(owner, wire::rr_type::a, ttl, std::string(p.ipv4->begin(), p.ipv4->end()), p.where, m);
    if (p.ipv6)
      place(owner, wire::rr_type::aaaa, ttl, std::string(p.ipv6->begin(), p.ipv6->end()), p.where,
            m);
  }

  void pointer(const wire::name& reverse, const peer& p, uint32_t ttl) {
    // An operator's explicit PTR wins: the address may serve several names.
    if (explicit_ptr_.count(reverse) == 0) place(reverse, wire::rr_type::ptr, ttl, p.host, p.where);
  }

  void expand(const zone& z, size_t ci, peer_ref ref) {
    const cluster& c = z.clusters[ci];
    uint32_t host_ttl = c.host_ttl.value_or(z.default_ttl);
    // A cluster without health checks still meets the filter (an operator's drain), and
    // fails open like serve-all: it never promised anything else.
    bool fail_open = !c.health || c.health->all_down == all_down_policy::serve_all;
    auto filtered = [&](state st) { return mark{st, fail_open}; };
    for (ref.peer = 0; ref.peer < c.peers.size(); ++ref.peer) {
      addresses(c.peers[ref.peer].host, c.peers[ref.peer], host_ttl);
    }
    if (!c.name.empty()) {
      for (ref.peer = 0; ref.peer < c.peers.size(); ++ref.peer)
        addresses(c.name, c.peers[ref.peer], c.health ? c.health_ttl() : c.round_robin_ttl,
                  filtered(standing(ref, std::nullopt)));
    }
    // A health-checked cluster's SRV set changes with its peers' state, so resolvers must not
    // keep a stale one for a day: it gets the round-robin TTL.
    uint32_t srv_ttl = c.health ? c.health_ttl() : c.srv_ttl;
    for (service s : c.services) {
      wire::name owner = srv_name(info(s), c.srv_owner);
      for (ref.peer = 0; ref.peer < c.peers.size(); ++ref.peer) {
        const peer& p = c.peers[ref.peer];
        std::string rdata;  // RFC 2782: priority, weight, port, target
        put16(rdata, p.priority);
        put16(rdata, p.weight);
        put16(rdata, c.port_of(p, s));
        rdata += p.host;
        place(owner, wire::rr_type::srv, srv_ttl, std::move(rdata), p.where,
              filtered(standing(ref, s)));
      }
    }
    if (c.naptr) {
      // Expressway guide Appendix 4: SIPS over TCP first, then SIP over TCP, then UDP.
      std::vector<const service_info*> sip;
      for (service s : c.services)
        if (info(s).naptr_service) sip.push_back(&info(s));
      std::sort(sip.begin(), sip.end(),
                [](auto* a, auto* b) { return a->naptr_order < b->naptr_order; });
      for (const service_info* s : sip) {
        std::string rdata;  // RFC 3403 4.1
        put16(rdata, s->naptr_order);
        put16(rdata, 100);
        put_string(rdata, "s");
        put_string(rdata, s->naptr_service);
        put_string(rdata, "");
        rdata += srv_name(*s, c.srv_owner);
        place(c.srv_owner, wire::rr_type::naptr, c.srv_ttl, std::move(rdata), c.where);
      }
    }
    for (const peer& p : c.peers) {
      if (p.ipv4) pointer(detail::reverse_name(*p.ipv4), p, host_ttl);
      if (p.ipv6) pointer(detail::reverse_name(*p.ipv6), p, host_ttl);
    }
  }

  // Drops filtered-out records, except where that would empty an RRset that had records: then
  // the RRset is served whole if any contributing cluster fails open, and stays empty (NODATA)
  // otherwise. While one record survives (a backup tier), nothing is added back.
  void settle(size_t zi) {
    auto& recs = out_[zi].records;
    const auto& m = marks_[zi];
    struct rrset_state {
      bool has_served = false, fail_open = false;
    };
    // Only RRsets with filtered records need settling; plain records (most of a big zone)
    // are looked up, never inserted.
    std::unordered_map<rrset_key, rrset_state, key_hash> sets;
    // Nothing filtered out or withheld (no peer down, none drained): nothing to settle.
    if (std::none_of(m.begin(), m.end(),
                     [](const mark& k) { return k.st == state::filtered || k.st == state::withheld; }))
      return;
    std::unordered_set<std::string_view> marked_owners;
    for (size_t i = 0; i < recs.size(); ++i)
      if (m[i].st != state::plain) {
        rrset_state& st = sets[{recs[i].owner, recs[i].type}];
        if (m[i].st == state::kept) st.has_served = true;
        if (m[i].fail_open) st.fail_open = true;
        marked_owners.insert(recs[i].owner);
      }
    if (sets.empty()) return;
    for (size_t i = 0; i < recs.size(); ++i)
      if (m[i].st == state::plain && marked_owners.count(recs[i].owner))
        if (auto it = sets.find({recs[i].owner, recs[i].type}); it != sets.end())
          it->second.has_served = true;
    std::vector<bool> keep(recs.size(), true);
    for (size_t i = 0; i < recs.size(); ++i) {
      if (m[i].st == state::withheld) keep[i] = false;
      if (m[i].st != state::filtered) continue;
      const rrset_state& st = sets.at({recs[i].owner, recs[i].type});
      keep[i] = !st.has_served && st.fail_open;
    }
    // A name whose every filtered record went stays a name of the zone: NODATA, not NXDOMAIN.
    std::unordered_set<std::string_view> owners_left;
    for (size_t i = 0; i < recs.size(); ++i)
      if (keep[i] && marked_owners.count(recs[i].owner)) owners_left.insert(recs[i].owner);
    for (size_t i = 0; i < recs.size(); ++i)
      if (m[i].st != state::plain && !owners_left.count(recs[i].owner) &&
          std::find(out_[zi].empty_names.begin(), out_[zi].empty_names.end(), recs[i].owner) ==
              out_[zi].empty_names.end())
        out_[zi].empty_names.push_back(recs[i].owner);
    std::vector<record> kept;
    kept.reserve(recs.size());
    for (size_t i = 0; i < recs.size(); ++i)
      if (keep[i]) kept.push_back(std::move(recs[i]));
    recs = std::move(kept);
  }

  static void normalise(expanded_zone& z) {
    std::vector<record>& recs = z.records;
    // One table of RRsets (owner, type), each held by its first record, which gathers the
    // set's minimum TTL (RFC 2181 5.2). Most RRsets of a big zone have one record, so the
    // dedupe of identical (owner, type, rdata) only hashes records of sets with several.
    // Kept records are compacted to the front; tables hold their compacted indexes.
    index_table sets(recs.size());
    index_table rdatas;
    std::vector<uint32_t> set_of(recs.size());  // compacted index -> its RRset's first record
    std::vector<bool> in_rdatas(recs.size());   // the RRset's first record is in `rdatas`
    // Records and answer bytes of the RRsets with several records (the only ones that can
    // outgrow a message, short of one 64 KiB rdata), by first record.
    std::unordered_map<uint32_t, std::pair<size_t, size_t>> multi;
    auto rr_bytes = [](const record& r) { return 2 + 10 + r.rdata.size(); };  // owner: pointer
    auto rdata_hash = [&](const record& r) { return hash_bytes(r.rdata, hash_bytes(r.owner, r.type)); };
    // The TTLs of lent records as the set has them (normalise lowers some).
    std::vector<uint32_t> had(z.lent);
    for (size_t i = 0; i < z.lent; ++i) had[i] = recs[i].ttl;
    size_t kept = 0;
    // Set hashes are computed and their slots prefetched a few records ahead (not moved yet).
    auto set_hash = [&](size_t i) {
      uint64_t h = hash_bytes(recs[i].owner, recs[i].type);
      sets.prefetch(h);
      return h;
    };
    wire::for_each_prefetched(recs.size(), set_hash, [&](size_t i, uint64_t h) {
      const record& r = recs[i];
      auto same_set = [&](uint32_t k) { return recs[k].type == r.type && recs[k].owner == r.owner; };
      auto [first, fresh] = sets.insert(h, uint32_t(kept), same_set);
      if (!fresh) {
        if (!in_rdatas[first]) {
          rdatas.insert(rdata_hash(recs[first]), first, [](uint32_t) { return false; });
          in_rdatas[first] = true;
          multi[first] = {1, rr_bytes(recs[first])};
        }
        auto same = [&](uint32_t k) { return same_set(k) && recs[k].rdata == r.rdata; };
        if (!rdatas.insert(rdata_hash(r), uint32_t(kept), same).second) return;  // identical
        auto& [n, bytes] = multi[first];
        ++n;
        bytes += rr_bytes(r);
      }
      set_of[kept] = first;
      // Explicit records are distinct (the reader merged duplicates): only derived ones,
      // after every lent record, are ever dropped, so lent records keep their places.
      if (kept != i && i < z.lent) throw std::logic_error("derive: a lent record was merged");
      if (kept != i) recs[kept] = std::move(recs[i]);
      recs[first].ttl = std::min(recs[first].ttl, recs[kept].ttl);
      ++kept;
    });
    recs.resize(kept);
    for (size_t k = 0; k < kept; ++k) {
      // recs[k] for a set's first record already holds the minimum: its own TTL is lost
      // there, so lent records keep theirs in `had` (kept below `lent` never moved).
      uint32_t ttl = recs[set_of[k]].ttl;
      if (k < z.lent && had[k] != ttl) z.lent_ttls.emplace_back(uint32_t(k), had[k]);
      recs[k].ttl = ttl;
    }
    for (const auto& [first, set] : multi) {
      // Header (12), question (owner, type, class) and our OPT record (11, RFC 6891) share
      // the message with the answer.
      if (12 + recs[first].owner.size() + 4 + 11 + set.second > 65535)
        z.oversized.push_back({first, set.first, set.second});
    }
    std::sort(z.oversized.begin(), z.oversized.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  const zone_set& set_;
  const peer_filter& usable_;
  const peer_filter& withheld_;
  std::vector<expanded_zone> out_;
  std::vector<std::vector<mark>> marks_;  // parallel to out_[i].records until settle
  std::set<wire::name> explicit_ptr_;
};

}  // namespace

std::optional<size_t> find_zone(const zone_set& set, std::string_view name) {
  std::optional<size_t> best;
  for (size_t i = 0; i < set.zones.size(); ++i) {
    const auto& o = set.zones[i].origin;
    if (wire::name_is_below_or_at(name, o) && (!best || o.size() > set.zones[*best].origin.size()))
      best = i;
  }
  return best;
}

bool filters_any(const zone_set& set, const peer_filter& usable, const peer_filter& withheld) {
  auto filters = [&](const peer_ref& ref, std::optional<service> s) {
    return (usable && !usable(ref, s)) || (withheld && withheld(ref, s));
  };
  for (peer_ref ref; ref.zone < set.zones.size(); ++ref.zone) {
    const auto& clusters = set.zones[ref.zone].clusters;
    for (ref.cluster = 0; ref.cluster < clusters.size(); ++ref.cluster) {
      const cluster& c = clusters[ref.cluster];
      for (ref.peer = 0; ref.peer < c.peers.size(); ++ref.peer) {
        if (filters(ref, std::nullopt)) return true;
        for (service s : c.services)
          if (filters(ref, s)) return true;
      }
    }
  }
  return false;
}

std::vector<expanded_zone> derive(const zone_set& set, const peer_filter& usable,
                                  const peer_filter& withheld) {
  return builder(set, usable, withheld).run();
}

std::vector<expanded_zone> derive_lending(zone_set& set) {
  return builder(set, {}, {}, &set).run();
}

namespace {
// The lent records of `e` as the set had them: TTLs and the SOA serial (bump_serials).
void undo_changes(const zone& z, expanded_zone& e) {
  for (auto [i, ttl] : e.lent_ttls) {
    e.served_ttls.emplace_back(i, e.records[i].ttl);
    e.records[i].ttl = ttl;
  }
  for (size_t i = 0; i < e.lent; ++i)
    if (e.records[i].type == wire::rr_type::soa && e.records[i].owner == z.origin)
      e.records[i].rdata = z.soa.rdata;
  e.lent_ttls.clear();
}
}  // namespace

void give_back(zone_set& set, std::vector<expanded_zone>& zones) {
  for (size_t zi = 0; zi < zones.size() && zi < set.zones.size(); ++zi) {
    expanded_zone& e = zones[zi];
    if (!e.lent) continue;
    undo_changes(set.zones[zi], e);
    std::vector<record> rest(std::make_move_iterator(e.records.begin() + long(e.lent)),
                             std::make_move_iterator(e.records.end()));
    e.records.resize(e.lent);
    set.zones[zi].records = std::exchange(e.records, std::move(rest));
    e.returned = std::exchange(e.lent, 0);
    e.oversized.clear();  // its indexes named the whole list (and load() refuses any anyway)
  }
}

uint32_t served_ttl(const expanded_zone& e, size_t i, uint32_t own) {
  // Sorted by index: undo_changes walks lent_ttls, which normalise wrote in record order.
  auto it = std::lower_bound(e.served_ttls.begin(), e.served_ttls.end(),
                             std::pair<uint32_t, uint32_t>(uint32_t(i), 0));
  return it != e.served_ttls.end() && it->first == i ? it->second : own;
}

}  // namespace sipdns::zone
