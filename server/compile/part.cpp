// The per-node encoder: every body a node needs (answers, CNAME chains, negative answers,
// referrals) with their additional records (RFC 1034 4.3.2, RFC 2308, RFC 3403 4.2).
#include "compile/part.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

#include "compile/build.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"
#include "zone/type_name.hpp"

namespace sipdns::compile {
namespace {

using zone::record;
namespace rt = wire::rr_type;

constexpr int max_cname_chain = 8;

// Position just after the encoded RR at `pos` (owner: labels ending in a root or a pointer).
size_t skip_encoded_rr(std::string_view bytes, size_t pos) {
  constexpr uint8_t pointer_byte = wire::pointer_tag >> 8;
  while (uint8_t(bytes[pos]) != 0 && uint8_t(bytes[pos]) < pointer_byte)
    pos += 1 + uint8_t(bytes[pos]);
  pos += uint8_t(bytes[pos]) == 0 ? 1 : 2;
  const size_t rdlength_at = pos + wire::rr_fixed_size - 2;
  return pos + wire::rr_fixed_size +
         wire::get16(reinterpret_cast<const uint8_t*>(bytes.data() + rdlength_at));
}

}  // namespace

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
  s.fixups.append(e.fixups().data(), e.fixups().size());
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
  if (soa.rdata.size() >= 4)
    minimum =
        wire::get32(reinterpret_cast<const uint8_t*>(soa.rdata.data() + soa.rdata.size() - 4));
  e.put_rr(soa, std::min(soa.ttl, minimum));
  e.mark_serial(zone);
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

// The SRV RRset a NAPTR's replacement names, and its targets' addresses, once per message.
void part::put_srv_set(encoder& e, std::string_view owner, uint16_t& count) {
  if (std::find(srv_done_.begin(), srv_done_.end(), owner) != srv_done_.end()) return;
  srv_done_.push_back(owner);
  const owner_data* o = n_.owner(owner);
  if (!o) return;
  n_.rrset(o, rt::srv, srvs_);
  for (const record* s : srvs_) e.put_rr(*s), ++count;
  for (const record* s : srvs_) put_addresses(e, std::string_view(s->rdata).substr(6), count);
}

// The additional records endpoints use, for the answer RRset in final_: SRV -> addresses,
// NAPTR -> SRV -> addresses (RFC 3403 4.2), MX/NS -> addresses.
void part::put_additionals(encoder& e, uint16_t& count) {
  done_.clear();
  srv_done_.clear();
  for (const record* r : final_) {
    std::string_view rdata = r->rdata;
    switch (r->type) {
      case rt::srv:
        put_addresses(e, rdata.substr(6), count);
        break;
      case rt::mx:
        put_addresses(e, rdata.substr(2), count);
        break;
      case rt::ns:
        put_addresses(e, rdata, count);
        break;
      case rt::naptr: {
        rdata_name nm = rdata_name_of(rt::naptr, rdata);
        if (nm.offset == std::string::npos) break;
        std::string flags(rdata.substr(5, uint8_t(rdata[4])));
        std::string_view replacement = rdata.substr(nm.offset);
        for (char& c : flags) c = char(std::tolower(uint8_t(c)));
        if (flags.find('s') != std::string::npos)
          put_srv_set(e, replacement, count);
        else if (flags.find('a') != std::string::npos)
          put_addresses(e, replacement, count);
        break;
      }
      default:
        break;
    }
  }
}

// NXDOMAIN (rcode nxdomain) or NODATA (rcode 0) for every name of a zone: the SOA's owner is
// the apex, a suffix of every name in it.
uint32_t part::negative_body(std::string_view apex, uint32_t zone, uint16_t rcode) {
  e_.reset(apex);
  body b;
  put_soa(e_, zone);
  b.nscount = 1;
  b.rcode = uint8_t(rcode);
  if (rcode == uint16_t(wire::rcode::nxdomain)) b.scope_len = uint8_t(apex.size());
  return add_body(e_, b, e_.size());
}

uint32_t part::referral_body(std::string_view cut) {
  if (auto it = referrals_.find(cut); it != referrals_.end()) return it->second;
  e_.reset(cut);
  body b;
  b.authoritative = false;  // RFC 1034 4.3.2 step 3b: a referral is not authoritative
  b.scope_len = uint8_t(cut.size());
  std::vector<const record*> ns;
  n_.rrset(n_.owner(cut), rt::ns, ns);
  for (const record* r : ns) e_.put_rr(*r), ++b.nscount;
  size_t additional = e_.size();
  done_.clear();
  for (const record* r : ns) put_addresses(e_, r->rdata, b.arcount);
  return referrals_[cut] = add_body(e_, b, additional);
}

// The answer and authority sections for (qname, qtype), following in-zone CNAMEs: ends with
// the RRset asked for (kept in final_ for the additional section), NODATA's SOA, a dangling
// chain's NXDOMAIN, or a chain leaving our zones. `self`, when known, is the owner named
// `qname`. Returns the first answer record (to locate an oversized answer), or nullptr.
const record* part::put_answer(body& b, std::string_view qname, uint16_t qtype,
                               const owner_data* self) {
  encoder& e = e_;
  std::string_view current = qname;
  final_.clear();
  const record* first = nullptr;
  for (int hop = 0;; ++hop) {
    uint32_t z = hop == 0 && self ? self->zone : n_.zone_of(current);
    if (z == no_zone) break;  // out of our zones: the resolver follows the chain
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
    for (const record* r : set_) {
      e.put_rr(*r, r->ttl, current), ++b.ancount;
      if (r->type == rt::soa) e.mark_serial(z);
    }
    if (b.rotate_count) b.rotate_stride = uint16_t((e.size() - b.rotate_begin) / b.rotate_count);
    final_.swap(set_);
    break;
  }
  return first;
}

// The exact answer for (qname, qtype) with its additional records. `self`, when known, is
// the owner named `qname`.
uint32_t part::answer_body(std::string_view qname, uint16_t qtype, const owner_data* self) {
  e_.reset(qname, wire::name_is_wildcard(qname));
  body b;
  const record* first = put_answer(b, qname, qtype, self);
  size_t additional = e_.size();
  // Header, question and OPT around the answer and authority must fit one message (only the
  // additional section can be cut): e.g. a CNAME to an RRset that alone just fits.
  size_t least =
      wire::header_size + qname.size() + wire::question_fixed_size + wire::opt_size + additional;
  if (first && least > wire::max_message)
    throw build_error({first->where, zone::severity::error,
                       "the answer to " + wire::name_to_text(qname) + " " + zone::type_name(qtype) +
                           " would take " + std::to_string(least) +
                           " bytes, more than one DNS message can carry (65535)"});
  put_additionals(e_, b.arcount);
  return add_body(e_, b, additional);
}

// Where the CNAME chain starting at `alias` ends inside our zones: the owner whose records
// answer the types it has, or nullptr (out of our zones, below a cut, dangling, too long).
// Follows the same steps as put_answer.
const owner_data* part::chain_end(const owner_data& alias) const {
  const owner_data* o = &alias;
  for (int hop = 0; hop < max_cname_chain; ++hop) {
    const record* cname = nullptr;
    for (const record* r : n_.records_of(*o))
      if (r->type == rt::cname) cname = r;
    if (!cname) return o;
    std::string_view target = cname->rdata;
    uint32_t z = n_.zone_of(target);
    if (z == no_zone || n_.is_delegated(target, z, nullptr)) return nullptr;
    o = n_.source_of(target, z);
    if (!o) return nullptr;
  }
  return nullptr;
}

// Negative answers: the SOA's owner is the apex, a suffix of every name in the zone, so one
// NXDOMAIN and one NODATA body serve the whole zone (each part has its own NODATA). Returns
// the NODATA body of each zone.
std::vector<uint32_t> part::zone_bodies(bool with_zones) {
  const auto& zones = n_.zones();
  std::vector<uint32_t> nodata(zones.size());
  for (uint32_t zi = 0; zi < zones.size(); ++zi) {
    if (with_zones)
      out.zones.push_back(
          {zones[zi].origin, negative_body(zones[zi].origin, zi, uint16_t(wire::rcode::nxdomain))});
    nodata[zi] = negative_body(zones[zi].origin, zi, 0);
  }
  return nodata;
}

// RFC 1034 4.3.2: every type an alias lacks follows the chain. One body per type present
// where it ends; every other type gets the chain and then NODATA or NXDOMAIN with the SOA
// (RFC 2308 2.1, 2.2), or only the chain when it leaves our zones: the body of type 0, which
// no zone holds.
void part::add_chain_types(node& nd, const owner_data& o) {
  snapshot& s = out;
  std::string_view name = o.name;
  if (const owner_data* end = chain_end(o))
    for (const record* r : n_.records_of(*end)) {
      auto known = s.types.begin() + nd.types;
      if (std::find_if(known, s.types.end(), [&](auto& p) { return p.first == r->type; }) ==
          s.types.end())
        s.types.push_back({r->type, answer_body(name, r->type, &o)});
    }
  nd.nodata = answer_body(name, 0, &o);
}

// The node of owner `o`, its (type, body) pairs appended to out.types. `nodata`: its zone's.
node part::encode_node(const owner_data& o, uint32_t nodata) {
  snapshot& s = out;
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
    if (cut == name) s.types.push_back({rt::ds, answer_body(name, rt::ds, &o)});
  } else {
    bool any_type = false;
    for (const record* r : n_.records_of(o)) {
      auto known = s.types.begin() + nd.types;
      if (std::find_if(known, s.types.end(), [&](auto& p) { return p.first == r->type; }) !=
          s.types.end())
        continue;
      s.types.push_back({r->type, answer_body(name, r->type, &o)});
      any_type = true;
    }
    nd.nodata = nodata;
    if (n_.has(o, rt::cname)) add_chain_types(nd, o);
    // RFC 8482 section 4.2: ANY gets one RRset that exists here (the first one's answer).
    nd.any = any_type ? s.types[nd.types].second : nd.nodata;
  }
  nd.type_count = uint16_t(s.types.size() - nd.types);
  return nd;
}

void part::encode(size_t begin, size_t end, bool with_zones) {
  std::vector<uint32_t> nodata = zone_bodies(with_zones);
  snapshot& s = out;
  size_t count = end - begin;
  s.nodes.reserve(count);
  s.bodies.reserve(count + 16);
  s.types.reserve(count);
  for (size_t i = begin; i < end; ++i) {
    const owner_data& o = n_.owners()[i];
    s.nodes.push_back(encode_node(o, nodata[o.zone]));
  }
}

namespace {

// Where a part's pools land in the snapshot they join: what each offset in them shifts by.
struct offsets {
  uint32_t bytes, fixups, cuts, bodies, types, names;
  explicit offsets(const snapshot& s)
      : bytes(base32(s.bytes.size())), fixups(base32(s.fixups.size())),
        cuts(base32(s.cuts.size())), bodies(base32(s.bodies.size())),
        types(base32(s.types.size())), names(base32(s.names.size())) {}
  static uint32_t base32(size_t n) {
    if (n > UINT32_MAX) throw std::runtime_error("snapshot exceeds 4 GiB");
    return uint32_t(n);
  }
  void shift(body& b) const { b.bytes += bytes, b.fixups += fixups, b.cuts += cuts; }
  void shift(type_entry& t) const { t.second += bodies; }
  void shift(node& nd) const {
    nd.name += names, nd.types += types;  // `wildcard` is set after merging
    nd.nodata += bodies, nd.any += bodies, nd.referral += bodies;
  }
  void shift(zone_info& z) const { z.nxdomain += bodies; }
};

}  // namespace

void append_pools(snapshot& s, const snapshot& from) {
  const offsets at(s);
  s.bytes.append(from.bytes.data(), from.bytes.size());
  s.fixups.append(from.fixups.data(), from.fixups.size());
  s.cuts.append(from.cuts.data(), from.cuts.size());
  s.names.append(from.names.data(), from.names.size());
  auto shifted = [&](auto& to, const auto& pool) {
    to.reserve(to.size() + pool.size());
    for (auto e : pool) at.shift(e), to.push_back(e);
  };
  shifted(s.bodies, from.bodies);
  shifted(s.types, from.types);
  shifted(s.nodes, from.nodes);
  for (zone_info z : from.zones) at.shift(z), s.zones.push_back(std::move(z));
}

void part::encode_some(const std::vector<const owner_data*>& owners) {
  std::vector<uint32_t> nodata = zone_bodies(false);
  for (const owner_data* o : owners) out.nodes.push_back(encode_node(*o, nodata[o->zone]));
}

void part::merge_into(snapshot& s) {
  // The pools only offsets index end on a page boundary (filler no offset names), and so do
  // the nodes (compile/build.cpp splits the owners so): the part's pages then move behind the
  // snapshot's instead of being copied (compile/pool.hpp), once its offsets are shifted.
  s.bytes.pad_to_page('\0');
  s.names.pad_to_page('\0');
  s.cuts.pad_to_page(0);
  s.bodies.pad_to_page(body{});
  s.types.pad_to_page(type_entry{});
  const offsets at(s);
  for (body& b : out.bodies) at.shift(b);
  for (type_entry& t : out.types) at.shift(t);
  for (node& nd : out.nodes) at.shift(nd);
  for (zone_info& z : out.zones) at.shift(z), s.zones.push_back(std::move(z));
  s.bytes.splice(out.bytes);
  s.fixups.splice(out.fixups);
  s.cuts.splice(out.cuts);
  s.names.splice(out.names);
  s.bodies.splice(out.bodies);
  s.types.splice(out.types);
  s.nodes.splice(out.nodes);
  out = snapshot{};
}

}  // namespace sipdns::compile
