// Builds the immutable snapshot: indexes names and pre-encodes every answer (RFC 1034 4.3.2).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <span>
#include <stdexcept>

#include "compile/encoder.hpp"
#include "compile/snapshot.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"
#include "zone/index_table.hpp"

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

// Working view of one owner name while compiling: its records are a slice of builder::recs_.
struct owner_data {
  std::string_view name;  // a view of a record's owner or a zone's name: stable while compiling
  uint32_t zone = 0;
  uint32_t first = 0, count = 0;
};

// Design: the builder works on views of the zones' own names and records and reuses its
// scratch vectors and its encoder across bodies, so a million nodes cost no allocation each;
// owners are found through one flat hash table (zone/index_table.hpp), not a tree.
class builder {
 public:
  explicit builder(const std::vector<zone::expanded_zone>& zones) : zones_(zones), e_("") {}
  snapshot_ptr run();

 private:
  uint32_t zone_of(std::string_view name) const;
  const owner_data* owner(std::string_view name) const;
  uint32_t add_owner(std::string_view name, uint32_t zone);
  std::span<const record* const> records_of(const owner_data& o) const {
    return {recs_.data() + o.first, o.count};
  }
  bool has(const owner_data& o, uint16_t type) const;
  void rrset(const owner_data* o, uint16_t type, std::vector<const record*>& out) const;
  bool is_delegated(std::string_view name, uint32_t zone, std::string_view* cut) const;
  uint32_t add_body(const encoder& e, body b, size_t additional_start);
  void put_soa(encoder& e, uint32_t zone) const;
  void put_addresses(encoder& e, std::string_view name, uint16_t& count);
  uint32_t answer_body(std::string_view qname, uint16_t qtype);
  uint32_t negative_body(std::string_view qname, uint32_t zone, uint16_t rcode);
  uint32_t referral_body(std::string_view cut);

  const std::vector<zone::expanded_zone>& zones_;
  std::vector<owner_data> owners_;
  std::vector<const record*> recs_;  // every owner's records, in zone order, owner by owner
  zone::index_table owner_index_;    // name -> index in owners_
  std::shared_ptr<snapshot> snap_ = std::make_shared<snapshot>();
  std::map<std::string_view, uint32_t> referrals_;
  // Scratch, reused by every body (answer_body is never re-entered).
  encoder e_;
  std::vector<const record*> set_, cname_, final_, srvs_;
  std::vector<std::string_view> done_, srv_done_;
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
  uint32_t i = owner_index_.find(zone::hash_bytes(name),
                                 [&](uint32_t k) { return owners_[k].name == name; });
  return i == zone::index_table::missing ? nullptr : &owners_[i];
}

// The owner named `name`, added (without records) if new; its zone is set either way.
uint32_t builder::add_owner(std::string_view name, uint32_t zone) {
  auto [i, fresh] = owner_index_.insert(zone::hash_bytes(name), uint32_t(owners_.size()),
                                        [&](uint32_t k) { return owners_[k].name == name; });
  if (fresh) owners_.push_back({name, zone, 0, 0});
  owners_[i].zone = zone;
  return i;
}

bool builder::has(const owner_data& o, uint16_t type) const {
  for (const record* r : records_of(o))
    if (r->type == type) return true;
  return false;
}

void builder::rrset(const owner_data* o, uint16_t type, std::vector<const record*>& out) const {
  out.clear();
  if (!o) return;
  for (const record* r : records_of(*o))
    if (r->type == type) out.push_back(r);
}

// True when `name` is at or below a zone cut of its zone (NS below the apex).
bool builder::is_delegated(std::string_view name, uint32_t zone, std::string_view* cut) const {
  const std::string& apex = zones_[zone].origin;
  size_t labels = wire::name_label_count(name) - wire::name_label_count(apex);
  // Topmost cut wins: walk from just below the apex down to the name itself.
  for (size_t strip = labels; strip-- > 0;) {
    std::string_view n = wire::name_strip_labels(name, strip);
    const owner_data* o = owner(n);
    if (o && has(*o, rt::ns)) {
      if (cut) *cut = o->name;
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

// Additional-section addresses (A then AAAA) of `name`, once per message (done_).
void builder::put_addresses(encoder& e, std::string_view name, uint16_t& count) {
  if (std::find(done_.begin(), done_.end(), name) != done_.end()) return;
  done_.push_back(name);
  const owner_data* o = owner(name);
  if (!o) return;
  for (uint16_t t : {rt::a, rt::aaaa})
    for (const record* r : records_of(*o))
      if (r->type == t) e.put_rr(*r), ++count;
}

uint32_t builder::negative_body(std::string_view qname, uint32_t zone, uint16_t rcode) {
  e_.reset(qname);
  body b;
  put_soa(e_, zone);
  b.nscount = 1;
  b.rcode = uint8_t(rcode);
  return add_body(e_, b, e_.size());
}

uint32_t builder::referral_body(std::string_view cut) {
  if (auto it = referrals_.find(cut); it != referrals_.end()) return it->second;
  e_.reset(cut);
  body b;
  b.authoritative = false;  // RFC 1034 4.3.2 step 3b: a referral is not authoritative
  std::vector<const record*> ns;
  rrset(owner(cut), rt::ns, ns);
  for (const record* r : ns) e_.put_rr(*r), ++b.nscount;
  size_t additional = e_.size();
  done_.clear();
  for (const record* r : ns) put_addresses(e_, r->rdata, b.arcount);
  return referrals_[cut] = add_body(e_, b, additional);
}

// The exact answer for (qname, qtype), following in-zone CNAMEs and adding the additional
// records endpoints use: SRV -> addresses, NAPTR -> SRV -> addresses (RFC 3403 4.2), MX/NS ->
// addresses.
uint32_t builder::answer_body(std::string_view qname, uint16_t qtype) {
  encoder& e = e_;
  e.reset(qname);
  body b;
  std::string_view current = qname;
  final_.clear();
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
    rrset(o, qtype, set_);
    rrset(o, rt::cname, cname_);
    if (set_.empty() && !cname_.empty() && hop < max_cname_chain) {
      e.put_rr(*cname_.front()), ++b.ancount;
      current = cname_.front()->rdata;
      continue;
    }
    if (set_.empty()) {
      put_soa(e, z), b.nscount = 1;  // NODATA
      break;
    }
    if ((qtype == rt::a || qtype == rt::aaaa) && set_.size() > 1) {
      b.rotate_begin = uint16_t(e.size());
      b.rotate_count = uint16_t(set_.size());
    }
    for (const record* r : set_) e.put_rr(*r), ++b.ancount;
    if (b.rotate_count)
      b.rotate_stride = uint16_t((e.size() - b.rotate_begin) / b.rotate_count);
    final_.swap(set_);
    break;
  }
  size_t additional = e.size();
  done_.clear();
  srv_done_.clear();
  auto add_srv_set = [&](std::string_view owner_name) {
    if (std::find(srv_done_.begin(), srv_done_.end(), owner_name) != srv_done_.end()) return;
    srv_done_.push_back(owner_name);
    const owner_data* o = owner(owner_name);
    if (!o) return;
    rrset(o, rt::srv, srvs_);
    for (const record* s : srvs_) e.put_rr(*s), ++b.arcount;
    for (const record* s : srvs_)
      put_addresses(e, std::string_view(s->rdata).substr(6), b.arcount);
  };
  for (const record* r : final_) {
    std::string_view rdata = r->rdata;
    switch (r->type) {
      case rt::srv:
        put_addresses(e, rdata.substr(6), b.arcount);
        break;
      case rt::mx:
        put_addresses(e, rdata.substr(2), b.arcount);
        break;
      case rt::ns:
        put_addresses(e, rdata, b.arcount);
        break;
      case rt::naptr: {
        rdata_name n = rdata_name_of(rt::naptr, rdata);
        if (n.offset == std::string::npos) break;
        std::string flags(rdata.substr(5, uint8_t(rdata[4])));
        std::string_view replacement = rdata.substr(n.offset);
        for (char& c : flags) c = char(std::tolower(uint8_t(c)));
        if (flags.find('s') != std::string::npos) add_srv_set(replacement);
        else if (flags.find('a') != std::string::npos)
          put_addresses(e, replacement, b.arcount);
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
  //    zone shadows the parent's delegation data for the same names). Records are counted per
  //    owner first, then laid out owner by owner in zone order (recs_).
  size_t total = 0;
  for (const auto& z : zones_) total += z.records.size();
  owner_index_ = zone::index_table(total);
  owners_.reserve(total + 16);
  std::vector<std::pair<uint32_t, const record*>> placed;  // (owner, record) in zone order
  placed.reserve(total);
  for (uint32_t zi = 0; zi < zones_.size(); ++zi) {
    for (const record& r : zones_[zi].records) {
      uint32_t z = zone_of(r.owner);
      if (z != zi) continue;
      uint32_t o = add_owner(r.owner, z);
      ++owners_[o].count;
      placed.emplace_back(o, &r);
    }
    add_owner(zones_[zi].origin, zi);
    for (const auto& name : zones_[zi].empty_names)
      if (zone_of(name) == zi) add_owner(name, zi);
  }
  uint32_t next = 0;
  for (owner_data& o : owners_) o.first = next, next += o.count, o.count = 0;
  recs_.resize(next);
  for (auto [o, r] : placed) recs_[owners_[o].first + owners_[o].count++] = r;
  placed = {};
  // 2. Empty non-terminals: names between an owner and its apex exist (NODATA, not NXDOMAIN).
  for (size_t i = 0, n = owners_.size(); i < n; ++i) {
    std::string_view name = owners_[i].name;
    uint32_t z = owners_[i].zone;
    size_t below = wire::name_label_count(name) - wire::name_label_count(zones_[z].origin);
    for (size_t k = 1; k < below; ++k) add_owner(wire::name_strip_labels(name, k), z);
  }

  // 3. Zones and their negative answers: the SOA's owner is the apex, a suffix of every
  //    name in the zone, so one NXDOMAIN and one NODATA body serve the whole zone.
  std::vector<uint32_t> nodata(zones_.size());
  for (uint32_t zi = 0; zi < zones_.size(); ++zi) {
    snap_->zones.push_back({zones_[zi].origin,
                            negative_body(zones_[zi].origin, zi, uint16_t(wire::rcode::nxdomain))});
    nodata[zi] = negative_body(zones_[zi].origin, zi, 0);
  }

  // 4. Nodes with their answers per type.
  snapshot& s = *snap_;
  s.nodes.reserve(owners_.size());
  s.bodies.reserve(owners_.size() + 16);
  s.types.reserve(owners_.size());
  s.names.reserve(total * 20);
  std::vector<uint16_t> types;
  for (const owner_data& o : owners_) {
    std::string_view name = o.name;
    node n;
    n.name = uint32_t(s.names.size());
    n.name_len = uint8_t(name.size());
    s.names += name;
    n.zone = o.zone;
    n.types = uint32_t(s.types.size());
    std::string_view cut;
    if (is_delegated(name, o.zone, &cut)) {
      n.delegated = true;
      n.referral = referral_body(cut);
      n.nodata = n.any = n.referral;
    } else {
      types.clear();
      for (const record* r : records_of(o))
        if (std::find(types.begin(), types.end(), r->type) == types.end()) types.push_back(r->type);
      for (uint16_t t : types) s.types.emplace_back(t, answer_body(name, t));
      n.nodata = nodata[o.zone];
      if (has(o, rt::cname)) {
        // RFC 1034 4.3.2: any other type at a CNAME follows the chain; built per common type.
        for (uint16_t t : {rt::a, rt::aaaa, rt::srv, rt::naptr, rt::txt, rt::mx, rt::ptr, rt::ns,
                           rt::soa})
          s.types.emplace_back(t, answer_body(name, t));
        n.nodata = s.types[n.types].second;
      }
      // RFC 8482 section 4.2: ANY gets one RRset that exists here (the first one's answer).
      n.any = types.empty() ? n.nodata : s.types[n.types].second;
    }
    n.type_count = uint16_t(s.types.size() - n.types);
    s.nodes.push_back(n);
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
