// Builds the immutable snapshot: indexes names and pre-encodes every answer (RFC 1034 4.3.2).
#include <algorithm>
#include <cstring>
#include <map>
#include <span>
#include <stdexcept>
#include <thread>

#include "compile/encoder.hpp"
#include "compile/snapshot.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"
#include "zone/index_table.hpp"
#include "zone/rr_parse.hpp"

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

// Working view of one owner name while compiling: its records are a slice of names::recs_.
struct owner_data {
  std::string_view name;  // a view of a record's owner or a zone's name: stable while compiling
  uint32_t zone = 0;
  uint32_t first = 0, count = 0;
};

// Every owner name of the zones with its records, found through one flat hash table
// (zone/index_table.hpp), not a tree. Built once, then only read, by several encoders at once.
class names {
 public:
  explicit names(const std::vector<zone::expanded_zone>& zones);

  const std::vector<zone::expanded_zone>& zones() const { return zones_; }
  const std::vector<owner_data>& owners() const { return owners_; }
  uint32_t zone_of(std::string_view name) const;
  const owner_data* owner(std::string_view name) const;
  std::span<const record* const> records_of(const owner_data& o) const {
    return {recs_.data() + o.first, o.count};
  }
  bool has(const owner_data& o, uint16_t type) const;
  void rrset(const owner_data* o, uint16_t type, std::vector<const record*>& out) const;
  // `self`, when known, is the owner named `name` (saves its lookup).
  bool is_delegated(std::string_view name, uint32_t zone, std::string_view* cut,
                    const owner_data* self = nullptr) const;
  // The owner whose records answer for `name` in its zone `zone`: its own, or when it does
  // not exist the wildcard "*.<closest encloser>" (RFC 4592 3.3.1); nullptr: no such name.
  const owner_data* source_of(std::string_view name, uint32_t zone) const;

 private:
  uint32_t add_owner(std::string_view name, uint32_t zone) {
    return add_owner(name, zone, zone::hash_bytes(name));
  }
  uint32_t add_owner(std::string_view name, uint32_t zone, uint64_t hash);

  const std::vector<zone::expanded_zone>& zones_;
  std::vector<owner_data> owners_;
  std::vector<const record*> recs_;  // every owner's records, in zone order, owner by owner
  zone::index_table owner_index_;    // name -> index in owners_
};

names::names(const std::vector<zone::expanded_zone>& zones) : zones_(zones) {
  // 1. Owners, each record in the most specific loaded zone that contains it (a loaded child
  //    zone shadows the parent's delegation data for the same names). Records are counted per
  //    owner first, then laid out owner by owner in zone order (recs_).
  size_t total = 0;
  for (const auto& z : zones_) total += z.records.size();
  owner_index_ = zone::index_table(total);
  owners_.reserve(total + 16);
  std::vector<std::pair<uint32_t, const record*>> placed;  // (owner, record) in zone order
  placed.reserve(total);
  constexpr size_t ahead = 8;  // hashes computed and slots prefetched this many records ahead
  uint64_t hashes[ahead];
  for (uint32_t zi = 0; zi < zones_.size(); ++zi) {
    const std::vector<record>& recs = zones_[zi].records;
    for (size_t i = 0; i < recs.size() && i < ahead; ++i)
      owner_index_.prefetch(hashes[i] = zone::hash_bytes(recs[i].owner));
    for (size_t i = 0; i < recs.size(); ++i) {
      const record& r = recs[i];
      uint64_t hash = hashes[i % ahead];
      if (i + ahead < recs.size())
        owner_index_.prefetch(hashes[i % ahead] = zone::hash_bytes(recs[i + ahead].owner));
      uint32_t z = zone_of(r.owner);
      if (z != zi) continue;
      uint32_t o = add_owner(r.owner, z, hash);
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
  // 2. Empty non-terminals: names between an owner and its apex exist (NODATA, not NXDOMAIN).
  for (size_t i = 0, n = owners_.size(); i < n; ++i) {
    std::string_view name = owners_[i].name;
    uint32_t z = owners_[i].zone;
    size_t below = wire::name_label_count(name) - wire::name_label_count(zones_[z].origin);
    for (size_t k = 1; k < below; ++k) add_owner(wire::name_strip_labels(name, k), z);
  }
}

uint32_t names::zone_of(std::string_view name) const {
  uint32_t best = UINT32_MAX;
  size_t best_len = 0;
  for (uint32_t i = 0; i < zones_.size(); ++i) {
    const auto& o = zones_[i].origin;
    if (o.size() > best_len && wire::name_is_below_or_at(name, o)) best = i, best_len = o.size();
  }
  return best;
}

const owner_data* names::owner(std::string_view name) const {
  uint32_t i = owner_index_.find(zone::hash_bytes(name),
                                 [&](uint32_t k) { return owners_[k].name == name; });
  return i == zone::index_table::missing ? nullptr : &owners_[i];
}

// The owner named `name`, added (without records) if new; its zone is set either way.
uint32_t names::add_owner(std::string_view name, uint32_t zone, uint64_t hash) {
  auto [i, fresh] = owner_index_.insert(hash, uint32_t(owners_.size()),
                                        [&](uint32_t k) { return owners_[k].name == name; });
  if (fresh) owners_.push_back({name, zone, 0, 0});
  owners_[i].zone = zone;
  return i;
}

bool names::has(const owner_data& o, uint16_t type) const {
  for (const record* r : records_of(o))
    if (r->type == type) return true;
  return false;
}

void names::rrset(const owner_data* o, uint16_t type, std::vector<const record*>& out) const {
  out.clear();
  if (!o) return;
  for (const record* r : records_of(*o))
    if (r->type == type) out.push_back(r);
}

// True when `name` is at or below a zone cut of its zone (NS below the apex).
bool names::is_delegated(std::string_view name, uint32_t zone, std::string_view* cut,
                         const owner_data* self) const {
  const std::string& apex = zones_[zone].origin;
  size_t labels = wire::name_label_count(name) - wire::name_label_count(apex);
  // Topmost cut wins: walk from just below the apex down to the name itself.
  for (size_t strip = labels; strip-- > 0;) {
    std::string_view n = wire::name_strip_labels(name, strip);
    const owner_data* o = strip == 0 && self ? self : owner(n);
    if (o && has(*o, rt::ns)) {
      if (cut) *cut = o->name;
      return true;
    }
  }
  return false;
}

const owner_data* names::source_of(std::string_view name, uint32_t zone) const {
  if (const owner_data* o = owner(name)) return o;
  const std::string& apex = zones_[zone].origin;
  for (std::string_view n = wire::name_strip_labels(name, 1); n.size() >= apex.size();
       n = wire::name_strip_labels(n, 1)) {
    if (!owner(n)) continue;
    // `n` is the closest encloser: only its own wildcard can synthesize (RFC 4592 3.3.1).
    std::string star("\1*", 2);
    star += n;
    return owner(star);
  }
  return nullptr;
}

// Encodes the nodes of a range of owners into pools of its own (a snapshot's vectors, with
// body, fixup, cut, type and name offsets local to them); merge() appends them to the
// snapshot. Two of these run at once on a big zone, one per core.
// Design: it reuses its scratch vectors and its encoder across bodies (answer_body is never
// re-entered), so a million nodes cost no allocation each.
class part {
 public:
  explicit part(const names& n) : n_(n), e_("") {}
  void encode(size_t begin, size_t end, bool with_zones);
  // Appends this part's pools to `s`, shifting every offset.
  void merge_into(snapshot& s);
  snapshot out;  // zones, nodes and pools of this part only

 private:
  uint32_t add_body(const encoder& e, body b, size_t additional_start);
  void put_soa(encoder& e, uint32_t zone) const;
  void put_addresses(encoder& e, std::string_view name, uint16_t& count);
  uint32_t answer_body(std::string_view qname, uint16_t qtype, const owner_data* self = nullptr);
  const owner_data* chain_end(const owner_data& alias) const;
  uint32_t negative_body(std::string_view qname, uint32_t zone, uint16_t rcode);
  uint32_t referral_body(std::string_view cut);

  const names& n_;
  std::map<std::string_view, uint32_t> referrals_;
  encoder e_;
  std::vector<const record*> set_, cname_, final_, srvs_;
  std::vector<std::string_view> done_, srv_done_;
};

// Appends the encoder's output to the pools, with the truncation cut points (the body length
// keeping k additional RRs, for k = 0..arcount).
uint32_t part::add_body(const encoder& e, body b, size_t additional_start) {
  snapshot& s = out;
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
void part::put_soa(encoder& e, uint32_t zone) const {
  const record& soa = n_.zones()[zone].soa;
  uint32_t minimum = 0;
  if (soa.rdata.size() >= 4) {
    auto* p = reinterpret_cast<const uint8_t*>(soa.rdata.data() + soa.rdata.size() - 4);
    minimum = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
  }
  e.put_rr(soa, std::min(soa.ttl, minimum));
}

// Additional-section addresses (A then AAAA) of `name`, once per message (done_).
void part::put_addresses(encoder& e, std::string_view name, uint16_t& count) {
  if (std::find(done_.begin(), done_.end(), name) != done_.end()) return;
  done_.push_back(name);
  const owner_data* o = n_.owner(name);
  if (!o) return;
  for (uint16_t t : {rt::a, rt::aaaa})
    for (const record* r : n_.records_of(*o))
      if (r->type == t) e.put_rr(*r), ++count;
}

uint32_t part::negative_body(std::string_view qname, uint32_t zone, uint16_t rcode) {
  e_.reset(qname);
  body b;
  put_soa(e_, zone);
  b.nscount = 1;
  b.rcode = uint8_t(rcode);
  return add_body(e_, b, e_.size());
}

uint32_t part::referral_body(std::string_view cut) {
  if (auto it = referrals_.find(cut); it != referrals_.end()) return it->second;
  e_.reset(cut);
  body b;
  b.authoritative = false;  // RFC 1034 4.3.2 step 3b: a referral is not authoritative
  std::vector<const record*> ns;
  n_.rrset(n_.owner(cut), rt::ns, ns);
  for (const record* r : ns) e_.put_rr(*r), ++b.nscount;
  size_t additional = e_.size();
  done_.clear();
  for (const record* r : ns) put_addresses(e_, r->rdata, b.arcount);
  return referrals_[cut] = add_body(e_, b, additional);
}

// The exact answer for (qname, qtype), following in-zone CNAMEs and adding the additional
// records endpoints use: SRV -> addresses, NAPTR -> SRV -> addresses (RFC 3403 4.2), MX/NS ->
// addresses.
// `self`, when known, is the owner named `qname`.
uint32_t part::answer_body(std::string_view qname, uint16_t qtype, const owner_data* self) {
  encoder& e = e_;
  e.reset(qname, wire::name_is_wildcard(qname));
  body b;
  std::string_view current = qname;
  final_.clear();
  const record* first = nullptr;  // where the answer starts, to locate an oversized one
  for (int hop = 0;; ++hop) {
    uint32_t z = hop == 0 && self ? self->zone : n_.zone_of(current);
    if (z == UINT32_MAX) break;  // out of our zones: the resolver follows the chain
    if (hop > 0 && n_.is_delegated(current, z, nullptr)) break;  // let the resolver chase
    const owner_data* o = hop == 0 && self ? self : n_.source_of(current, z);
    if (!o) {  // dangling in-zone CNAME: RFC 6604 rcode NXDOMAIN, with the SOA (RFC 2308 2.1)
      put_soa(e, z), b.nscount = 1, b.rcode = uint8_t(wire::rcode::nxdomain);
      break;
    }
    n_.rrset(o, qtype, set_);
    n_.rrset(o, rt::cname, cname_);
    // Records are written with the name asked for (`current`), which differs from their own
    // owner only when a wildcard synthesizes them.
    if (set_.empty() && !cname_.empty() && hop < max_cname_chain) {
      if (!first) first = cname_.front();
      e.put_rr(*cname_.front(), cname_.front()->ttl, current), ++b.ancount;
      current = cname_.front()->rdata;
      continue;
    }
    if (set_.empty()) {
      put_soa(e, z), b.nscount = 1;  // NODATA (RFC 2308 2.2), also at the end of a chain
      break;
    }
    if ((qtype == rt::a || qtype == rt::aaaa) && set_.size() > 1) {
      b.rotate_begin = uint16_t(e.size());
      b.rotate_count = uint16_t(set_.size());
    }
    if (!first) first = set_.front();
    for (const record* r : set_) e.put_rr(*r, r->ttl, current), ++b.ancount;
    if (b.rotate_count)
      b.rotate_stride = uint16_t((e.size() - b.rotate_begin) / b.rotate_count);
    final_.swap(set_);
    break;
  }
  size_t additional = e.size();
  // Header, question and OPT around the answer and authority must fit one message (only the
  // additional section can be cut): e.g. a CNAME to an RRset that alone just fits.
  if (first && 12 + qname.size() + 4 + 11 + additional > 0xFFFF)
    throw build_error({first->where, zone::severity::error,
                       "the answer to " + wire::name_to_text(qname) + " " +
                           zone::detail::type_name(qtype) + " would take " +
                           std::to_string(12 + qname.size() + 4 + 11 + additional) +
                           " bytes, more than one DNS message can carry (65535)"});
  done_.clear();
  srv_done_.clear();
  auto add_srv_set = [&](std::string_view owner_name) {
    if (std::find(srv_done_.begin(), srv_done_.end(), owner_name) != srv_done_.end()) return;
    srv_done_.push_back(owner_name);
    const owner_data* o = n_.owner(owner_name);
    if (!o) return;
    n_.rrset(o, rt::srv, srvs_);
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
        rdata_name nm = rdata_name_of(rt::naptr, rdata);
        if (nm.offset == std::string::npos) break;
        std::string flags(rdata.substr(5, uint8_t(rdata[4])));
        std::string_view replacement = rdata.substr(nm.offset);
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

// Where the CNAME chain starting at `alias` ends inside our zones: the owner whose records
// answer the types it has, or nullptr (out of our zones, below a cut, dangling, too long).
// Follows the same steps as answer_body.
const owner_data* part::chain_end(const owner_data& alias) const {
  const owner_data* o = &alias;
  for (int hop = 0; hop < max_cname_chain; ++hop) {
    const record* cname = nullptr;
    for (const record* r : n_.records_of(*o))
      if (r->type == rt::cname) cname = r;
    if (!cname) return o;
    std::string_view target = cname->rdata;
    uint32_t z = n_.zone_of(target);
    if (z == UINT32_MAX || n_.is_delegated(target, z, nullptr)) return nullptr;
    o = n_.source_of(target, z);
    if (!o) return nullptr;
  }
  return nullptr;
}

// Nodes for owners [begin, end). `with_zones`: also the zones' NXDOMAIN bodies (one part
// does it, so that snapshot::zones lists each zone once).
void part::encode(size_t begin, size_t end, bool with_zones) {
  const auto& zones = n_.zones();
  // 3. Negative answers: the SOA's owner is the apex, a suffix of every name in the zone, so
  //    one NXDOMAIN and one NODATA body serve the whole zone (each part has its own NODATA).
  std::vector<uint32_t> nodata(zones.size());
  for (uint32_t zi = 0; zi < zones.size(); ++zi) {
    if (with_zones)
      out.zones.push_back(
          {zones[zi].origin, negative_body(zones[zi].origin, zi, uint16_t(wire::rcode::nxdomain))});
    nodata[zi] = negative_body(zones[zi].origin, zi, 0);
  }

  // 4. Nodes with their answers per type.
  snapshot& s = out;
  size_t count = end - begin;
  s.nodes.reserve(count);
  s.bodies.reserve(count + 16);
  s.types.reserve(count);
  std::vector<uint16_t> types;
  for (size_t i = begin; i < end; ++i) {
    const owner_data& o = n_.owners()[i];
    std::string_view name = o.name;
    node nd;
    nd.name = uint32_t(s.names.size());
    nd.name_len = uint8_t(name.size());
    s.names += name;
    nd.zone = o.zone;
    nd.types = uint32_t(s.types.size());
    std::string_view cut;
    if (n_.is_delegated(name, o.zone, &cut, &o)) {
      nd.delegated = true;
      nd.referral = referral_body(cut);
      nd.nodata = nd.any = nd.referral;
      // RFC 4035 3.1.4.1: DS belongs to the parent side of a cut, which answers it with
      // authority (the DS RRset, or NODATA with the parent's SOA), as NSD and Knot do.
      if (cut == name) s.types.emplace_back(rt::ds, answer_body(name, rt::ds, &o));
    } else {
      types.clear();
      for (const record* r : n_.records_of(o))
        if (std::find(types.begin(), types.end(), r->type) == types.end()) types.push_back(r->type);
      for (uint16_t t : types) s.types.emplace_back(t, answer_body(name, t, &o));
      nd.nodata = nodata[o.zone];
      if (n_.has(o, rt::cname)) {
        // RFC 1034 4.3.2: every other type follows the chain. One body per type present
        // where it ends; every other type gets the chain and then NODATA or NXDOMAIN with the
        // SOA (RFC 2308 2.1, 2.2), or only the chain when it leaves our zones: the body of
        // type 0, which no zone holds.
        if (const owner_data* end = chain_end(o))
          for (const record* r : n_.records_of(*end)) {
            auto known = s.types.begin() + nd.types;
            if (std::find_if(known, s.types.end(), [&](auto& p) { return p.first == r->type; }) ==
                s.types.end())
              s.types.emplace_back(r->type, answer_body(name, r->type, &o));
          }
        nd.nodata = answer_body(name, 0, &o);
      }
      // RFC 8482 section 4.2: ANY gets one RRset that exists here (the first one's answer).
      nd.any = types.empty() ? nd.nodata : s.types[nd.types].second;
    }
    nd.type_count = uint16_t(s.types.size() - nd.types);
    s.nodes.push_back(nd);
  }
}

void part::merge_into(snapshot& s) {
  auto base32 = [](size_t n) {
    if (n > UINT32_MAX) throw std::runtime_error("snapshot exceeds 4 GiB");
    return uint32_t(n);
  };
  uint32_t bytes = base32(s.bytes.size()), fixups = base32(s.fixups.size()),
           cuts = base32(s.cuts.size()), bodies = base32(s.bodies.size()),
           types = base32(s.types.size()), names = base32(s.names.size());
  s.bytes += out.bytes;
  s.fixups.insert(s.fixups.end(), out.fixups.begin(), out.fixups.end());
  s.cuts.insert(s.cuts.end(), out.cuts.begin(), out.cuts.end());
  s.names += out.names;
  for (body b : out.bodies) {
    b.bytes += bytes, b.fixups += fixups, b.cuts += cuts;
    s.bodies.push_back(b);
  }
  for (auto [t, b] : out.types) s.types.emplace_back(t, b + bodies);
  for (node nd : out.nodes) {
    nd.name += names, nd.types += types;  // `wildcard` is set after merging
    nd.nodata += bodies, nd.any += bodies, nd.referral += bodies;
    s.nodes.push_back(nd);
  }
  for (zone_info z : out.zones) {
    z.nxdomain += bodies;
    s.zones.push_back(std::move(z));
  }
  out = snapshot{};
}

// Below this many names one core is quicker than starting a thread.
constexpr size_t parallel_from = 50000;

snapshot_ptr build_snapshot(const std::vector<zone::expanded_zone>& zones) {
  names n(zones);
  size_t count = n.owners().size();
  bool two = count >= parallel_from && std::thread::hardware_concurrency() > 1;
  size_t mid = two ? count / 2 : count;
  part first(n), second(n);
  std::exception_ptr failed;
  std::thread helper;
  if (two)
    helper = std::thread([&] {
      try {
        second.encode(mid, count, false);
      } catch (...) {
        failed = std::current_exception();
      }
    });
  try {
    first.encode(0, mid, true);
  } catch (...) {
    if (helper.joinable()) helper.join();
    throw;
  }
  if (helper.joinable()) helper.join();
  if (failed) std::rethrow_exception(failed);
  // The parts' pools go into vectors of their exact final size, allocated after the parts
  // (so no doubling slack stays resident, and the parts' memory is freed whole).
  auto snap = std::make_shared<snapshot>();
  snapshot& s = *snap;
  s.bytes.reserve(first.out.bytes.size() + second.out.bytes.size());
  s.fixups.reserve(first.out.fixups.size() + second.out.fixups.size());
  s.cuts.reserve(first.out.cuts.size() + second.out.cuts.size());
  s.names.reserve(first.out.names.size() + second.out.names.size());
  s.bodies.reserve(first.out.bodies.size() + second.out.bodies.size());
  s.types.reserve(first.out.types.size() + second.out.types.size());
  s.nodes.reserve(count);
  first.merge_into(s);
  second.merge_into(s);

  // 6. Hash index.
  size_t cap = 16;
  while (cap < snap->nodes.size() * 2) cap <<= 1;
  snap->table.assign(cap, 0);
  // Slots are computed and prefetched a few nodes ahead, so their cache misses overlap.
  constexpr uint32_t ahead = 8;
  size_t slot[ahead];
  auto home = [&](uint32_t i) {
    std::string_view nm = snap->name_of(snap->nodes[i]);
    size_t h = hash_name(reinterpret_cast<const uint8_t*>(nm.data()), nm.size()) & (cap - 1);
    __builtin_prefetch(&snap->table[h], 1);
    return h;
  };
  const uint32_t node_count = uint32_t(snap->nodes.size());
  for (uint32_t i = 0; i < node_count && i < ahead; ++i) slot[i] = home(i);
  for (uint32_t i = 0; i < node_count; ++i) {
    size_t h = slot[i % ahead];
    if (i + ahead < node_count) slot[i % ahead] = home(i + ahead);
    while (snap->table[h]) h = (h + 1) & (cap - 1);
    snap->table[h] = i + 1;
  }
  // 7. RFC 4592: each closest encloser knows its wildcard, so a query for a missing name
  //    finds its source of synthesis without building the "*" name.
  for (uint32_t i = 0; i < node_count; ++i) {
    std::string_view nm = snap->name_of(snap->nodes[i]);
    if (!wire::name_is_wildcard(nm)) continue;
    std::string_view parent = wire::name_strip_labels(nm, 1);
    if (const node* p = snap->find(reinterpret_cast<const uint8_t*>(parent.data()), parent.size()))
      snap->nodes[size_t(p - snap->nodes.data())].wildcard = i + 1;
  }
  return snap;
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
  return build_snapshot(zones);
}

}  // namespace sipdns::compile
