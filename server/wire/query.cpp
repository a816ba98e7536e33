// Bounds-checked query parser: every read is checked against the bytes that remain.
#include "wire/query.hpp"

#include "wire/name.hpp"

namespace sipdns::wire {
namespace {

// Reads an uncompressed QNAME at `pos`; returns its wire length or 0 when malformed
// (truncated, a compression pointer, an extended label type, longer than 255 bytes).
size_t read_qname(std::span<const uint8_t> p, size_t pos) {
  size_t start = pos;
  while (pos < p.size()) {
    uint8_t len = p[pos];
    if (len == 0) {
      size_t total = pos + 1 - start;
      return total <= max_name ? total : 0;
    }
    if (len > max_label) return 0;  // 0xC0 pointers and 0x40/0x80 types are not allowed here
    pos += 1 + size_t(len);
    if (pos - start >= max_name) return 0;
  }
  return 0;
}

// Skips a possibly compressed name in a later section (we never follow pointers, so a
// compression loop cannot stall us). Returns the position after it, or 0 on error.
size_t skip_name(std::span<const uint8_t> p, size_t pos) {
  size_t seen = 0;
  while (pos < p.size()) {
    uint8_t len = p[pos];
    if (len == 0) return pos + 1;
    if ((len & pointer_tag >> 8) == pointer_tag >> 8) return pos + 2 <= p.size() ? pos + 2 : 0;
    if (len > max_label) return 0;
    pos += 1 + size_t(len);
    seen += 1 + size_t(len);
    if (seen >= max_name) return 0;
  }
  return 0;
}

// RFC 6891 section 6.1.2: the OPT RDATA is a sequence of {code, length, data} options; an
// option that overruns the RDATA makes the record malformed. Unknown codes are ignored.
bool options_well_formed(std::span<const uint8_t> p, size_t pos, size_t end) {
  while (pos < end) {
    if (pos + 4 > end) return false;
    pos += 4 + size_t(get16(p.data() + pos + 2));
  }
  return pos == end;
}

// The question section. With QDCOUNT 1 the question is read into `q`; several questions are
// skipped only to reach a possible OPT, and none is echoed. Returns the offset after the
// section, or 0 when it is malformed.
size_t read_questions(std::span<const uint8_t> p, uint16_t qdcount, query& q) {
  size_t pos = header_size;
  if (qdcount == 1) {
    size_t qlen = read_qname(p, header_size);
    if (qlen == 0 || header_size + qlen + question_fixed_size > p.size()) return 0;
    q.qname_len = qlen;
    for (size_t i = 0; i < qlen; ++i) q.qname_lower[i] = p[header_size + i];
    name_lower(q.qname_lower, qlen);
    q.qtype = get16(p.data() + header_size + qlen);
    q.qclass = get16(p.data() + header_size + qlen + 2);
    q.question_end = header_size + qlen + question_fixed_size;
    q.question_ok = true;
    return q.question_end;
  }
  for (uint32_t i = 0; i < qdcount; ++i) {
    pos = skip_name(p, pos);
    if (pos == 0 || pos + question_fixed_size > p.size()) return 0;
    pos += question_fixed_size;
  }
  return pos;
}

// One record at `pos` of the answer, authority or additional section: an OPT fills the EDNS
// fields of `q`. An OPT outside ADDITIONAL, a second OPT, or one with a non-root owner is
// malformed (RFC 6891 section 6.1.1), as is a TSIG anywhere but last (RFC 8945 section 5.1).
// Returns the offset after it, or 0 when malformed.
size_t read_record(std::span<const uint8_t> p, size_t pos, bool additional, bool last,
                   query& q) {
  size_t owner = pos;
  pos = skip_name(p, pos);
  if (pos == 0 || pos + rr_fixed_size > p.size()) return 0;
  uint16_t type = get16(p.data() + pos);
  uint16_t rclass = get16(p.data() + pos + 2);
  uint32_t ttl = get32(p.data() + pos + 4);
  uint16_t rdlen = get16(p.data() + pos + 8);
  pos += rr_fixed_size;
  if (pos + rdlen > p.size()) return 0;
  if (type == rr_type::tsig) {
    if (!additional || !last) return 0;
    q.tsig_at = owner;
  }
  if (type == rr_type::opt) {
    bool first = !q.has_edns;
    if (first) {
      q.has_edns = true;
      q.edns_udp_size = rclass < udp_min_size ? udp_min_size : rclass;
      q.edns_version = uint8_t(ttl >> 16);
      q.edns_do = (ttl & edns_do) != 0;
    }
    if (!first || !additional || p[owner] != 0 || !options_well_formed(p, pos, pos + rdlen)) {
      q.edns_do = false;  // nothing of a malformed OPT is echoed
      return 0;
    }
  }
  return pos + rdlen;
}

}  // namespace

parse_status parse_query(std::span<const uint8_t> p, query& q) {
  q = query{};
  if (p.size() < header_size) return parse_status::drop;
  q.id = get16(p.data() + header::id);
  q.flags = get16(p.data() + header::flags);
  if (q.flags & flag::qr) return parse_status::drop;  // never answer a response
  const uint16_t qdcount = get16(p.data() + header::qdcount);
  const uint32_t before_additional =
      uint32_t(get16(p.data() + header::ancount)) + get16(p.data() + header::nscount);
  const uint32_t records = before_additional + get16(p.data() + header::arcount);

  // The whole message is walked whatever the opcode or QDCOUNT, so that every reply,
  // NOTIMP and FORMERR included, carries an OPT when the query had one (RFC 6891 section 7).
  // A malformed OPT still leaves has_edns set: the client spoke EDNS, the reply has our OPT.
  size_t pos = read_questions(p, qdcount, q);
  bool malformed = pos == 0;
  for (uint32_t i = 0; i < records && !malformed; ++i) {
    pos = read_record(p, pos, i >= before_additional, i + 1 == records, q);
    malformed = pos == 0;
  }

  // RFC 1035 4.1.1: anything but QUERY is not implemented (NOTIFY/UPDATE come later), whatever
  // the rest of the message holds.
  if ((q.flags & flag::opcode_mask) != 0) return parse_status::notimp;
  if (malformed) return parse_status::formerr;
  // RFC 6891 section 6.1.3: an unknown EDNS version is answered BADVERS before anything else,
  // since the version may change what the rest of the message means.
  if (q.has_edns && q.edns_version > 0) return parse_status::badvers;
  // RFC 9619: a QUERY carries exactly one question; zero (we implement no DNS COOKIE-only
  // exchange, RFC 7873 5.4) or several is FORMERR.
  if (qdcount != 1) return parse_status::formerr;
  return parse_status::ok;
}

}  // namespace sipdns::wire
