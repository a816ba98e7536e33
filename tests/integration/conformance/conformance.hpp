// What the conformance cases share: the server under test (sipdnsd on the bundled zones,
// started once per program), a reply reader, and the exchange that every case goes through.
#pragma once
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string_view>

#include "support/dns_packet.hpp"
#include "support/raw_client.hpp"
#include "support/sipdnsd_process.hpp"

// After the standard headers: ldns/common.h may define `bool` for C.
#include <ldns/ldns.h>

namespace conformance {

using namespace sipdns::test;

// sipdnsd started once for the whole program on the bundled zones (zones/ and
// tests/data/good/), stopped when the program ends.
inline sipdnsd_process& server() {
  static sipdnsd_process s({"--zones", "zones/", "--zones", "tests/data/good/"});
  return s;
}

// One query to the server under test; nullopt when no reply arrives (bounded).
inline std::optional<bytes> ask(const bytes& q) { return udp_ask(server().port(), q); }
inline std::optional<bytes> ask_tcp(const bytes& q) { return tcp_ask(server().port(), q); }

struct pkt_deleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};

// A reply as a client sees it: header bits read from the bytes, the OPT found by walking the
// records, sections parsed by ldns (the oracle: it must accept every reply we get).
struct reply {
  bytes b;
  std::unique_ptr<ldns_pkt, pkt_deleter> pkt;
  int opt_count = 0;
  bool opt_in_additional = false, opt_owner_root = false;
  uint16_t opt_size = 0, opt_flags = 0, opt_rdlen = 0;
  uint8_t opt_ext_rcode = 0, opt_version = 0;
  bool well_formed = false;  // the records fill the message exactly

  explicit reply(bytes bytes_in) : b(std::move(bytes_in)) {
    ldns_pkt* p = nullptr;
    if (ldns_wire2pkt(&p, b.data(), b.size()) == LDNS_STATUS_OK) pkt.reset(p);
    if (b.size() < 12) return;
    size_t pos = 12;
    for (int i = 0; i < qdcount(); ++i) {
      pos = skip_name(pos);
      if (pos == 0 || pos + 4 > b.size()) return;
      pos += 4;
    }
    int records = ancount() + nscount() + arcount();
    for (int i = 0; i < records; ++i) {
      size_t owner = pos;
      pos = skip_name(pos);
      if (pos == 0 || pos + 10 > b.size()) return;
      uint16_t rdlen = get16(b, pos + 8);
      if (get16(b, pos) == type::opt) {
        ++opt_count;
        opt_in_additional = i >= ancount() + nscount();
        opt_owner_root = b[owner] == 0;
        opt_size = get16(b, pos + 2);
        opt_ext_rcode = b[pos + 4];
        opt_version = b[pos + 5];
        opt_flags = get16(b, pos + 6);
        opt_rdlen = rdlen;
      }
      pos += 10 + rdlen;
      if (pos > b.size()) return;
    }
    well_formed = pos == b.size();
  }

  size_t skip_name(size_t pos) const {
    for (int labels = 0; pos < b.size() && labels < 128; ++labels) {
      uint8_t len = b[pos];
      if (len == 0) return pos + 1;
      if ((len & 0xC0) == 0xC0) return pos + 2 <= b.size() ? pos + 2 : 0;
      pos += 1 + size_t(len);
    }
    return 0;
  }

  uint16_t id() const { return get16(b, 0); }
  uint16_t flags() const { return get16(b, 2); }
  bool qr() const { return flags() & 0x8000; }
  int opcode() const { return (flags() >> 11) & 0xF; }
  bool aa() const { return flags() & 0x0400; }
  bool tc() const { return flags() & 0x0200; }
  bool rd() const { return flags() & 0x0100; }
  bool ra() const { return flags() & 0x0080; }
  bool z() const { return flags() & 0x0040; }
  bool ad() const { return flags() & 0x0020; }
  bool cd() const { return flags() & 0x0010; }
  int qdcount() const { return get16(b, 4); }
  int ancount() const { return get16(b, 6); }
  int nscount() const { return get16(b, 8); }
  int arcount() const { return get16(b, 10); }
  // RFC 6891 6.1.3: the upper 8 bits of the 12-bit rcode travel in the OPT.
  int rcode() const { return (flags() & 0xF) | (opt_count ? opt_ext_rcode << 4 : 0); }
  bool has_opt() const { return opt_count == 1 && opt_in_additional && opt_owner_root; }
  // The question section as bytes (the query's question must come back byte for byte).
  bytes question() const {
    if (qdcount() != 1) return {};
    size_t end = skip_name(12);
    return end == 0 || end + 4 > b.size() ? bytes{} : bytes(b.begin() + 12, b.begin() + long(end + 4));
  }
  int authority_soa() const {
    int n = 0;
    if (!pkt) return 0;
    ldns_rr_list* l = ldns_pkt_authority(pkt.get());
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); ++i)
      n += ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_SOA;
    return n;
  }
};

// Asks over UDP (or TCP) and returns the reply; fails the case when none arrives. An object,
// not a function: argument-dependent lookup would otherwise also find std::exchange for a
// std::vector argument, and prefer it for a non-const one.
struct exchange_fn {
  reply operator()(const bytes& q, bool tcp = false) const {
    auto r = tcp ? ask_tcp(q) : ask(q);
    REQUIRE_MESSAGE(r.has_value(), "no reply from sipdnsd; log:\n" << server().log());
    reply rep(std::move(*r));
    REQUIRE(rep.b.size() >= 12);
    CHECK(rep.qr());
    CHECK(rep.id() == get16(q, 0));
    CHECK(rep.well_formed);
    CHECK_MESSAGE(rep.pkt != nullptr, "ldns could not parse the reply");
    return rep;
  }
};
inline constexpr exchange_fn exchange;

// What every error reply (FORMERR, NOTIMP, REFUSED, BADVERS) looks like: no records but the
// OPT, never authoritative data.
inline void check_empty(const reply& r) {
  CHECK(r.ancount() == 0);
  CHECK(r.nscount() == 0);
  CHECK(r.arcount() == (r.opt_count ? 1 : 0));
}

// A normal query after a packet that must get no reply: the server is still answering.
inline void check_still_serving() {
  auto r = exchange(query("ns1.uctest.local", type::a));
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.ancount() == 1);
}

inline constexpr std::string_view existing = "ns1.uctest.local";    // A 127.0.0.1
inline constexpr std::string_view missing = "nope.uctest.local";    // NXDOMAIN
inline constexpr std::string_view outside = "www.example.org";      // in no zone: REFUSED
inline constexpr std::string_view too_big = "many.big.test";        // 100 A records, 1.6 KB
inline constexpr std::string_view mid_size = "example.com";         // NAPTR answer of 657 bytes

}  // namespace conformance
