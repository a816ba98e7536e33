// Builds the immutable snapshot: indexes names and pre-encodes every answer (RFC 1034 4.3.2).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "compile/encoder.hpp"
#include "compile/snapshot.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"

namespace sipdns::compile {
namespace {

using zone::record;
namespace rt = wire::rr_type;

constexpr uint32_t no_body = UINT32_MAX;
constexpr int max_cname_chain = 8;

// Position just after the encoded RR at `pos` (owner: labels ending in a root or a pointer).
size_t skip_encoded_rr(std::string_view bytes, size_t pos) {
  while (uint8_t(bytes[pos]) != 0 && uint8_t(bytes[pos]) < 0xC0) pos += 1 + uint8_t(bytes[pos]);
  pos += uint8_t(bytes[pos]) == 0 ? 1 : 2;
  pos += 8;  // type, class, ttl
  return pos + 2 + wire::get16(reinterpret_cast<const uint8_t*>(bytes.data() + pos));
}

uint64_t hash_name(const uint8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// Working view of one owner name while compiling.
struct owner_data {
  uint32_t zone = 0;
  std::vector<const record*> records;   // in zone order
  bool has(uint16_t type) const {
    for (auto* r : records)
      if (r->type == type) return true;
    return false;
  }
  std::vector<const record*> rrset(uint16_t type) const {
    std::vector<const record*> out;
    for (auto* r : records)
      if (r->type == type) out.push_back(r);
    return out;
  }
};

class builder {
 public:
  explicit builder(const std::vector<zone::expanded_zone>& zones) : zones_(zones) {}
  snapshot_ptr run();

 private:
  uint32_t zone_of(std::string_view name) const;
  const owner_data* owner(std::string_view name) const;
  bool is_delegated(std::string_view name, uint32_t zone, std::string* cut) const;
  uint32_t add_body(const encoder& e, body b, size_t additional_start);
  void put_soa(encoder& e, uint32_t zone) const;
  void put_addresses(encoder& e, std::string_view name, std::vector<std::string>& done,
                     uint16_t& count) const;
  uint32_t answer_body(const std::string& qname, uint16_t qtype);
  uint32_t negative_body(std::string_view qname, uint32_t zone, uint16_t rcode);
  uint32_t referral_body(const std::string& cut);

  const std::vector<zone::expanded_zone>& zones_;
  // Keyed by name with string_view lookups (no std::string per lookup).
  struct name_hash {
    using is_transparent = void;
    size_t operator()(std::string_view n) const {
      return size_t(hash_name(reinterpret_cast<const uint8_t*>(n.data()), n.size()));
    }
  };
  std::map<std::string, owner_data, std::less<>> owners_;
  std::shared_ptr<snapshot> snap_ = std::make_shared<snapshot>();
  std::map<std::string, uint32_t> referrals_;
};

uint32_t builder::zone_of(std::string_view name) const {
  uint32_t best = UINT32_MAX;
  size_t best_len = 0;
  for (uint32_t i = 0; i < zones_.size(); ++i) {
    const auto& o = zones_[i].origin;
    if (o.size() > best_len && wire::name_is_below_or_at(name, o)) best = i, best_len = o.size();
  }
  return best;
}

const owner_data* builder::owner(std::string_view name) const {
  auto it = owners_.find(name);
  return it == owners_.end() ? nullptr : &it->second;
}

// True when `name` is at or below a zone cut of its zone (NS below the apex).
bool builder::is_delegated(std::string_view name, uint32_t zone, std::string* cut) const {
  const std::string& apex = zones_[zone].origin;
  size_t labels = wire::name_label_count(name) - wire::name_label_count(apex);
  // Topmost cut wins: walk from just below the apex down to the name itself.
  for (size_t strip = labels; strip-- > 0;) {
    std::string_view n = wire::name_strip_labels(name, strip);
    const owner_data* o = owner(n);
    if (o && o->has(rt::ns)) {
      if (cut) *cut = std::string(n);
      return true;
    }
  }
  return false;
}

// Appends the encoder's output to the snapshot's pools, with the truncation cut points
// (the body length keeping k additional RRs, for k = 0..arcount).
uint32_t builder::add_body(const encoder& e, body b, size_t additional_start) {
  snapshot& s = *snap_;
  const std::string& bytes = e.bytes();
  b.bytes = uint32_t(s.bytes.size());
  b.size = uint16_t(bytes.size());
  s.bytes += bytes;
  b.fixups = uint32_t(s.fixups.size());
  b.fixup_count = uint16_t(e.fixups().size());
  s.fixups.insert(s.fixups.end(), e.fixups().begin(), e.fixups().end());
  b.cuts = uint32_t(s.cuts.size());
  size_t pos = additional_start;
  s.cuts.push_back(uint16_t(pos));
  for (uint16_t i = 0; i < b.arcount; ++i) {
    pos = skip_encoded_rr(bytes, pos);
    s.cuts.push_back(uint16_t(pos));
  }
  s.bodies.push_back(b);
  return uint32_t(s.bodies.size() - 1);
}

// RFC 2308 section 3: the SOA's TTL in a negative answer is min(SOA TTL, SOA MINIMUM).
void builder::put_soa(encoder& e, uint32_t zone) const {
  const record& soa = zones_[zone].soa;
  uint32_t minimum = 0;
  if (soa.rdata.size() >= 4) {
    auto* p = reinterpret_cast<const uint8_t*>(soa.rdata.data() + soa.rdata.size() - 4);
    minimum = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
  }
  e.put_rr(soa, std::min(soa.ttl, minimum));
}

// Additional-section addresses (A then AAAA) of `name`, once per message.
void builder::put_addresses(encoder& e, std::string_view name, std::vector<std::string>& done,
                            uint16_t& count) const {
  if (std::find(done.begin(), done.end(), name) != done.end()) return;
  done.emplace_back(name);
  const owner_data* o = owner(name);
  if (!o) return;
  for (uint16_t t : {rt::a, rt::aaaa})
    for (const record* r : o->rrset(t)) e.put_rr(*r), ++count;
}

uint32_t builder::negative_body(std::string_view qname, uint32_t zone, uint16_t rcode) {
  encoder e(qname);
  body b;
  put_soa(e, zone);
  b.nscount = 1;
  b.rcode = uint8_t(rcode);
  return add_body(e, b, e.size());
}

uint32_t builder::referral_body(const std::string& cut) {
  if (auto it = referrals_.find(cut); it != referrals_.end()) return it->second;
  encoder e(cut);
  body b;
  b.authoritative = false;  // RFC 1034 4.3.2 step 3b: a referral is not authoritative
  auto ns = owner(cut)->rrset(rt::ns);
  for (const record* r : ns) e.put_rr(*r), ++b.nscount;
  size_t additional = e.size();
  std::vector<std::string> done;
  for (const record* r : ns) put_addresses(e, r->rdata, done, b.arcount);
  return referrals_[cut] = add_body(e, b, additional);
}

// The exact answer for (qname, qtype), following in-zone CNAMEs and adding the additional
// records endpoints use: SRV -> addresses, NAPTR -> SRV -> addresses (RFC 3403 4.2), MX/NS ->
// addresses.
uint32_t builder::answer_body(const std::string& qname, uint16_t qtype) {
  encoder e(qname);
  body b;
  std::string current = qname;
  std::vector<const record*> final_set;
  for (int hop = 0;; ++hop) {
    const owner_data* o = owner(current);
    uint32_t z = zone_of(current);
    if (!o || z == UINT32_MAX) {
      if (z != UINT32_MAX && hop > 0) {  // dangling in-zone CNAME: RFC 6604 rcode NXDOMAIN
        put_soa(e, z), b.nscount = 1, b.rcode = uint8_t(wire::rcode::nxdomain);
      }
      break;
    }
    if (hop > 0 && is_delegated(current, z, nullptr)) break;  // let the resolver chase
    auto set = o->rrset(qtype);
    auto cname = o->rrset(rt::cname);
    if (set.empty() && !cname.empty() && hop < max_cname_chain) {
      e.put_rr(*cname.front()), ++b.ancount;
      current = cname.front()->rdata;
      continue;
    }
    if (set.empty()) {
      put_soa(e, z), b.nscount = 1;  // NODATA
      break;
    }
    if ((qtype == rt::a || qtype == rt::aaaa) && set.size() > 1) {
      b.rotate_begin = uint16_t(e.size());
      b.rotate_count = uint16_t(set.size());
    }
    for (const record* r : set) e.put_rr(*r), ++b.ancount;
    if (b.rotate_count)
      b.rotate_stride = uint16_t((e.size() - b.rotate_begin) / b.rotate_count);
    final_set = std::move(set);
    break;
  }
  size_t additional = e.size();
  std::vector<std::string> done;
  std::vector<std::string> srv_done;
  auto add_srv_set = [&](const std::string& owner_name) {
    if (std::find(srv_done.begin(), srv_done.end(), owner_name) != srv_done.end()) return;
    srv_done.push_back(owner_name);
    const owner_data* o = owner(owner_name);
    if (!o) return;
    auto srvs = o->rrset(rt::srv);
    for (const record* s : srvs) e.put_rr(*s), ++b.arcount;
    for (const record* s : srvs) put_addresses(e, s->rdata.substr(6), done, b.arcount);
  };
  for (const record* r : final_set) {
    switch (r->type) {
      case rt::srv:
        put_addresses(e, r->rdata.substr(6), done, b.arcount);
        break;
      case rt::mx:
        put_addresses(e, r->rdata.substr(2), done, b.arcount);
        break;
      case rt::ns:
        put_addresses(e, r->rdata, done, b.arcount);
        break;
      case rt::naptr: {
        rdata_name n = rdata_name_of(rt::naptr, r->rdata);
        if (n.offset == std::string::npos) break;
        std::string flags = r->rdata.substr(5, uint8_t(r->rdata[4]));
        std::string replacement = r->rdata.substr(n.offset);
        for (char& c : flags) c = char(std::tolower(uint8_t(c)));
        if (flags.find('s') != std::string::npos) add_srv_set(replacement);
        else if (flags.find('a') != std::string::npos)
          put_addresses(e, replacement, done, b.arcount);
        break;
      }
      default:
        break;
    }
  }
  return add_body(e, b, additional);
}

snapshot_ptr builder::run() {
  // 1. Owners, each record in the most specific loaded zone that contains it (a loaded child
  //    zone shadows the parent's delegation data for the same names).
  for (uint32_t zi = 0; zi < zones_.size(); ++zi) {
    for (const record& r : zones_[zi].records) {
      uint32_t z = zone_of(r.owner);
      if (z != zi) continue;
      owner_data& o = owners_[r.owner];
      o.zone = z;
      o.records.push_back(&r);
    }
    owners_[zones_[zi].origin].zone = zi;
    for (const auto& name : zones_[zi].empty_names)
      if (zone_of(name) == zi) owners_.try_emplace(name).first->second.zone = zi;
  }
  // 2. Empty non-terminals: names between an owner and its apex exist (NODATA, not NXDOMAIN).
  std::vector<std::pair<std::string, uint32_t>> ents;
  for (const auto& [name, o] : owners_) {
    size_t below = wire::name_label_count(name) - wire::name_label_count(zones_[o.zone].origin);
    for (size_t i = 1; i < below; ++i) ents.emplace_back(wire::name_strip_labels(name, i), o.zone);
  }
  for (auto& [name, z] : ents) owners_.try_emplace(name).first->second.zone = z;

  // 3. Zones and their negative answers: the SOA's owner is the apex, a suffix of every
  //    name in the zone, so one NXDOMAIN and one NODATA body serve the whole zone.
  std::vector<uint32_t> nodata(zones_.size());
  for (uint32_t zi = 0; zi < zones_.size(); ++zi) {
    snap_->zones.push_back({zones_[zi].origin,
                            negative_body(zones_[zi].origin, zi, uint16_t(wire::rcode::nxdomain))});
    nodata[zi] = negative_body(zones_[zi].origin, zi, 0);
  }

  // 4. Nodes with their answers per type.
  snap_->nodes.reserve(owners_.size());
  for (const auto& [name, o] : owners_) {
    node n;
    n.name = uint32_t(snap_->names.size());
    n.name_len = uint8_t(name.size());
    snap_->names += name;
    n.zone = o.zone;
    n.types = uint32_t(snap_->types.size());
    std::string cut;
    if (is_delegated(name, o.zone, &cut)) {
      n.delegated = true;
      n.referral = referral_body(cut);
      n.nodata = n.any = n.referral;
    } else {
      std::vector<uint16_t> types;
      for (const record* r : o.records)
        if (std::find(types.begin(), types.end(), r->type) == types.end()) types.push_back(r->type);
      for (uint16_t t : types) snap_->types.emplace_back(t, answer_body(name, t));
      n.nodata = nodata[o.zone];
      if (o.has(rt::cname)) {
        // RFC 1034 4.3.2: any other type at a CNAME follows the chain; built per common type.
        for (uint16_t t : {rt::a, rt::aaaa, rt::srv, rt::naptr, rt::txt, rt::mx, rt::ptr, rt::ns,
                           rt::soa})
          snap_->types.emplace_back(t, answer_body(name, t));
        n.nodata = snap_->types[n.types].second;
      }
      // RFC 8482 section 4.2: ANY gets one RRset that exists here (the first one's answer).
      n.any = types.empty() ? n.nodata : snap_->types[n.types].second;
    }
    n.type_count = uint16_t(snap_->types.size() - n.types);
    snap_->nodes.push_back(n);
  }

  // 6. Hash index.
  size_t cap = 16;
  while (cap < snap_->nodes.size() * 2) cap <<= 1;
  snap_->table.assign(cap, 0);
  for (uint32_t i = 0; i < snap_->nodes.size(); ++i) {
    std::string_view nm = snap_->name_of(snap_->nodes[i]);
    size_t h = hash_name(reinterpret_cast<const uint8_t*>(nm.data()), nm.size()) & (cap - 1);
    while (snap_->table[h]) h = (h + 1) & (cap - 1);
    snap_->table[h] = i + 1;
  }
  static std::atomic<uint64_t> generation{0};
  snap_->generation = ++generation;
  return snap_;
}

}  // namespace

const node* snapshot::find(const uint8_t* lower_name, size_t len) const {
  if (table.empty()) return nullptr;
  size_t mask = table.size() - 1;
  for (size_t h = hash_name(lower_name, len) & mask;; h = (h + 1) & mask) {
    uint32_t slot = table[h];
    if (slot == 0) return nullptr;
    const node& n = nodes[slot - 1];
    if (n.name_len == len && std::memcmp(names.data() + n.name, lower_name, len) == 0) return &n;
  }
}

snapshot_ptr build(const std::vector<zone::expanded_zone>& zones) {
  return builder(zones).run();
}

}  // namespace sipdns::compile
