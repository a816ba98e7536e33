// The hot path: parse the query, pick a pre-encoded body, copy it behind the echoed question.
#include "answer/answer.hpp"

#include <cstring>

#include "wire/name.hpp"
#include "wire/query.hpp"

namespace sipdns::answer {
namespace {

using wire::put16;
namespace rt = wire::rr_type;
namespace at = wire::header;
using wire::opt_size;

struct writer {
  const wire::query& q;
  std::span<const uint8_t> in;
  std::span<uint8_t> out;
  size_t limit;
  loop_state& state;
  wire::reply_info& info;
  // Query flags echoed in the reply: the opcode, RD and CD (RFC 1035 4.1.1, RFC 4035 3.2.2).
  uint16_t echoed = wire::flag::opcode_mask | wire::flag::rd | wire::flag::cd;

  // Header plus (when it parsed) the question, copied byte for byte so that the client's
  // letter case survives (RFC 4343). Returns the length written.
  size_t header(uint16_t rcode, bool aa, bool echo_question) {
    uint8_t* h = out.data();
    put16(h + at::id, q.id);
    // QR and the echoed flags; RA never set: we are not a resolver.
    uint16_t flags = wire::flag::qr | (q.flags & echoed);
    if (aa) flags |= wire::flag::aa;
    put16(h + at::flags, uint16_t(flags | (rcode & wire::flag::rcode_mask)));
    put16(h + at::qdcount, echo_question ? 1 : 0);
    put16(h + at::ancount, 0), put16(h + at::nscount, 0), put16(h + at::arcount, 0);
    if (!echo_question) return info.question_end = wire::header_size;
    std::memcpy(h + wire::header_size, in.data() + wire::header_size,
                q.question_end - wire::header_size);
    return info.question_end = uint16_t(q.question_end);
  }

  // RFC 6891 section 6.1: our OPT, echoing DO (RFC 3225 section 3); extended rcode bits.
  size_t opt(size_t pos, uint16_t rcode) {
    uint8_t* p = out.data() + pos;
    p[0] = 0;
    put16(p + 1, rt::opt);
    put16(p + 3, wire::our_edns_size);
    p[5] = uint8_t(rcode >> 4);
    p[6] = 0;  // version 0
    put16(p + 7, q.edns_do ? wire::edns_do : 0);
    put16(p + 9, 0);
    uint8_t* arcount = out.data() + at::arcount;
    put16(arcount, uint16_t(wire::get16(arcount) + 1));
    return pos + opt_size;
  }

  size_t simple(uint16_t rcode, bool aa = false) {
    size_t pos = header(rcode, aa, q.question_ok);
    if (q.has_edns) pos = opt(pos, rcode);
    return pos;
  }

  // What the body is, for the caller's accounting (rrl/): its kind, and the QNAME suffix it
  // speaks for (the zone of an NXDOMAIN, the cut of a referral, else the QNAME itself).
  void describe(const compile::body& b) {
    using wire::reply_kind;
    info.kind = b.rcode == uint8_t(wire::rcode::nxdomain) ? reply_kind::nxdomain
                : !b.authoritative                       ? reply_kind::referral
                : b.ancount == 0                         ? reply_kind::nodata
                                                         : reply_kind::answer;
    info.qtype = q.qtype;
    size_t scope = b.scope_len ? b.scope_len : q.qname_len;
    info.name_at = uint16_t(wire::header_size + q.qname_len - scope);
  }

  // `snap`: the layer holding the body; `top`: the version (its serials).
  size_t body(const compile::snapshot& snap, const compile::snapshot& top,
              const compile::body& b) {
    size_t pos = header(b.rcode, b.authoritative, true);
    describe(b);
    size_t reserve = q.has_edns ? opt_size : 0;
    size_t room = limit > pos + reserve ? limit - pos - reserve : 0;
    size_t used = b.size;
    uint16_t arcount = b.arcount;
    if (used > room) {
      // Drop additional records first; if the required sections still do not fit, send
      // none and set TC so the client retries over TCP (RFC 2181 section 9, RFC 7766).
      while (arcount > 0 && snap.cut(b, arcount) > room) --arcount;
      used = snap.cut(b, arcount);
      if (used > room) {
        // Nothing of the body goes out: the reply names the QNAME only (as RRL always
        // keyed a truncated reply).
        info.name_at = wire::header_size;
        uint8_t* flags = out.data() + at::flags;
        put16(flags, uint16_t(wire::get16(flags) | wire::flag::tc));
        return q.has_edns ? opt(pos, b.rcode) : pos;
      }
    }
    uint8_t* dst = out.data() + pos;
    const uint8_t* src = reinterpret_cast<const uint8_t*>(snap.bytes.data() + b.bytes);
    if (b.rotate_count > 1) {
      // Round-robin without touching the snapshot: copy the RRset starting at record r.
      uint32_t r = state.rotation++ % b.rotate_count;
      size_t begin = b.rotate_begin, stride = b.rotate_stride;
      size_t len = stride * b.rotate_count, head = r * stride;
      std::memcpy(dst, src, begin);
      std::memcpy(dst + begin, src + begin + head, len - head);
      std::memcpy(dst + begin + len - head, src + begin, head);
      std::memcpy(dst + begin + len, src + begin + len, used - begin - len);
    } else {
      std::memcpy(dst, src, used);
    }
    // Patch compression pointers now that the QNAME length is known.
    size_t body_start = pos;
    for (const compile::fixup* f = snap.fixups.data() + b.fixups, *end = f + b.fixup_count;
         f != end; ++f) {
      if (f->pos >= used) break;
      using to = compile::fixup::to;
      if (f->target == to::serial) {
        wire::put32(dst + f->pos, top.serials[f->value]);
        continue;
      }
      size_t target = f->target == to::body     ? body_start + f->value
                      : f->target == to::suffix ? wire::header_size + q.qname_len - f->value
                                                : wire::header_size;
      put16(dst + f->pos, uint16_t(wire::pointer_tag | target));
    }
    put16(out.data() + at::ancount, b.ancount);
    put16(out.data() + at::nscount, b.nscount);
    put16(out.data() + at::arcount, arcount);
    pos += used;
    return q.has_edns ? opt(pos, b.rcode) : pos;
  }
};

// The body a node gives for the query's type.
const compile::body* node_body(const compile::snapshot& snap, const compile::node& n,
                               uint16_t qtype) {
  if (qtype == rt::any) return &snap.bodies[n.delegated ? n.referral : n.any];
  // A delegated node has no types but DS at the cut itself (compile/).
  uint32_t idx = n.delegated ? n.referral : n.nodata;
  for (uint32_t i = n.types, end = n.types + n.type_count; i < end; ++i)
    if (snap.types[i].first == qtype) {
      idx = snap.types[i].second;
      break;
    }
  return &snap.bodies[idx];
}

// A node and the layer of the version that holds it (compile/snapshot.hpp).
struct found {
  const compile::snapshot* layer = nullptr;
  const compile::node* node = nullptr;
};

// The overlay's node for the name, else the base's; the hash is computed once for both.
found find(const compile::snapshot& top, const uint8_t* name, size_t len) {
  uint64_t h = compile::name_hash(name, len);
  if (const compile::node* n = top.find(name, len, h)) return {&top, n};
  if (top.base)
    if (const compile::node* n = top.base->find(name, len, h)) return {top.base.get(), n};
  return {};
}

struct chosen {
  const compile::snapshot* layer = nullptr;
  const compile::body* body = nullptr;
};

chosen lookup(const compile::snapshot& top, const wire::query& q) {
  const uint8_t* name = q.qname_lower;
  size_t len = q.qname_len;
  if (found f = find(top, name, len); f.node)
    return {f.layer, node_body(*f.layer, *f.node, q.qtype)};
  // Closest encloser: strip labels until a known name; below it the name does not exist,
  // unless a zone cut lies in between (then refer) or the encloser has a wildcard child,
  // whose bodies then answer with the QNAME as owner (RFC 4592 3.3.1).
  const compile::snapshot& root = top.root();
  while (len > 1) {
    len -= 1 + size_t(name[0]);
    name += 1 + size_t(name[0]);
    if (found f = find(top, name, len); f.node) {
      if (f.node->delegated) return {f.layer, &f.layer->bodies[f.node->referral]};
      // Wildcards are linked in the base only (an overlay never replaces a "*" node).
      const compile::node* w = f.node;
      if (f.layer != &root) w = root.find(name, len);
      if (w && w->wildcard) {
        const compile::node& wn = root.nodes[w->wildcard - 1];
        return {&root, node_body(root, wn, q.qtype)};
      }
      return {&root, &root.bodies[root.zones[f.node->zone].nxdomain]};
    }
  }
  return {};  // outside every zone
}

}  // namespace

size_t respond(const compile::snapshot& snap, std::span<const uint8_t> in,
               std::span<uint8_t> out, transport t, loop_state& state,
               wire::reply_info& info) noexcept {
  info = {};
  wire::query q;
  wire::parse_status st = wire::parse_query(in, q);
  if (st == wire::parse_status::drop) return 0;
  size_t limit = t == transport::tcp ? wire::max_message : wire::udp_limit(q);
  if (limit > out.size()) limit = out.size();
  if (q.tsig_at) {
    // Room for the TSIG the caller appends: as long as the query's, plus "other data" (a
    // BADTIME's time) and a full-length MAC where the request's was truncated.
    info.signed_query = true;
    size_t room = in.size() - q.tsig_at + 6 + 64;
    limit = limit > room + wire::header_size ? limit - room : wire::header_size;
  }
  writer w{q, in, out, limit, state, info};
  using wire::rcode;
  switch (st) {
    case wire::parse_status::formerr: return w.simple(uint16_t(rcode::formerr));
    case wire::parse_status::notimp:
      // RFC 8906 8.1.4: an unknown opcode gets NOTIMP with every flag clear but QR and the
      // opcode; what RD or CD mean under an opcode we do not know is not ours to echo.
      w.echoed = wire::flag::opcode_mask;
      return w.simple(uint16_t(rcode::notimp));
    case wire::parse_status::badvers: return w.simple(uint16_t(rcode::badvers));
    default: break;
  }
  // CHAOS (version.bind, id.server, hostname.bind), HS and every class but IN and ANY: we
  // serve no data there and disclose nothing about the server, as for a name outside our zones.
  if (q.qclass != wire::rr_class::in && q.qclass != wire::rr_class::any)
    return w.simple(uint16_t(rcode::refused));
  switch (q.qtype) {
    // RFC 6891 section 6.1.1: OPT is a pseudo-record, never a question.
    case rt::opt: return w.simple(uint16_t(rcode::formerr));
    // Transfers: AXFR over UDP is not a protocol (RFC 5936 section 4.2), so NOTIMP; AXFR and
    // IXFR over TCP reach this only without --allow-transfer (net/ hands them to the daemon
    // otherwise), and are refused, as NSD and Knot do when no transfer is allowed.
    case rt::axfr:
      return w.simple(uint16_t(t == transport::udp ? rcode::notimp : rcode::refused));
    case rt::ixfr: {
      if (t == transport::tcp) return w.simple(uint16_t(rcode::refused));
      // RFC 1995 section 2: over UDP the current SOA, which tells a secondary that is behind
      // to ask over TCP; the SOA is public anyway. The question stays the IXFR asked.
      wire::query soa = q;
      soa.qtype = rt::soa;
      chosen c = lookup(snap, soa);
      if (!c.body) return w.simple(uint16_t(rcode::refused));
      writer ws{soa, in, out, limit, state, info};
      return ws.body(*c.layer, snap, *c.body);
    }
    // RFC 1035 3.2.3: MAILA/MAILB ask for the obsolete mail RRs (MB, MG, MR, MD, MF) that we
    // never serve; NOTIMP, as BIND answers them.
    case rt::maila: case rt::mailb: return w.simple(uint16_t(rcode::notimp));
    default: break;
  }
  chosen c = lookup(snap, q);
  if (!c.body) return w.simple(uint16_t(rcode::refused));
  return w.body(*c.layer, snap, *c.body);
}

}  // namespace sipdns::answer
