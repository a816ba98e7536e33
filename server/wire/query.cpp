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
    if ((len & 0xC0) == 0xC0) return pos + 2 <= p.size() ? pos + 2 : 0;
    if (len > max_label) return 0;
    pos += 1 + size_t(len);
    seen += 1 + size_t(len);
    if (seen >= max_name) return 0;
  }
  return 0;
}

}  // namespace

parse_status parse_query(std::span<const uint8_t> p, query& q) {
  q = query{};
  if (p.size() < header_size) return parse_status::drop;
  q.id = get16(p.data());
  q.flags = get16(p.data() + 2);
  if (q.flags & flag::qr) return parse_status::drop;  // never answer a response
  uint16_t qdcount = get16(p.data() + 4);
  uint16_t ancount = get16(p.data() + 6);
  uint16_t nscount = get16(p.data() + 8);
  uint16_t arcount = get16(p.data() + 10);
  uint8_t opcode = (q.flags >> 11) & 0xF;

  if (qdcount != 1) return opcode != 0 ? parse_status::notimp : parse_status::formerr;
  size_t qlen = read_qname(p, header_size);
  if (qlen == 0 || header_size + qlen + 4 > p.size())
    return opcode != 0 ? parse_status::notimp : parse_status::formerr;
  q.qname_len = qlen;
  for (size_t i = 0; i < qlen; ++i) q.qname_lower[i] = p[header_size + i];
  name_lower(q.qname_lower, qlen);
  q.qtype = get16(p.data() + header_size + qlen);
  q.qclass = get16(p.data() + header_size + qlen + 2);
  q.question_end = header_size + qlen + 4;
  q.question_ok = true;
  // RFC 1035 4.1.1: anything but QUERY is not implemented (NOTIFY/UPDATE come later).
  if (opcode != 0) return parse_status::notimp;

  // Walk the remaining sections. An OPT outside ADDITIONAL, or two OPTs, is FORMERR
  // (RFC 6891 section 6.1.1).
  size_t pos = q.question_end;
  uint32_t records = uint32_t(ancount) + nscount + arcount;
  for (uint32_t i = 0; i < records; ++i) {
    bool additional = i >= uint32_t(ancount) + nscount;
    size_t owner = pos;
    pos = skip_name(p, pos);
    if (pos == 0 || pos + 10 > p.size()) return parse_status::formerr;
    uint16_t type = get16(p.data() + pos);
    uint16_t rclass = get16(p.data() + pos + 2);
    uint32_t ttl = uint32_t(get16(p.data() + pos + 4)) << 16 | get16(p.data() + pos + 6);
    uint16_t rdlen = get16(p.data() + pos + 8);
    pos += 10;
    if (pos + rdlen > p.size()) return parse_status::formerr;
    if (type == rr_type::opt) {
      if (!additional || q.has_edns || p[owner] != 0) {
        q.has_edns = false;
        return parse_status::formerr;
      }
      q.has_edns = true;
      q.edns_udp_size = rclass < udp_min_size ? udp_min_size : rclass;
      q.edns_version = uint8_t(ttl >> 16);
      q.edns_do = (ttl & 0x8000) != 0;
    }
    pos += rdlen;
  }
  if (q.has_edns && q.edns_version > 0) return parse_status::badvers;
  return parse_status::ok;
}

}  // namespace sipdns::wire
