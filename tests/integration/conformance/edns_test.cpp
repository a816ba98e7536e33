// Protocol conformance of the real sipdnsd, EDNS and reply sizes (RFC 6891, RFC 8906 3.2,
// RFC 3225, RFC 1035 4.2.1): hand-built OPT records over UDP and TCP, one case per rule.
#include "conformance.hpp"

using namespace conformance;

// ---- EDNS (RFC 6891, RFC 8906 3.2) -----------------------------------------------------------

TEST_CASE("RFC 6891 7: a query with an OPT gets exactly one OPT back, version 0, our size") {
  auto r = exchange(with_opt(query(existing, type::a), opt().size(4096)));
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.has_opt());
  CHECK(r.opt_count == 1);
  CHECK(r.opt_version == 0);
  CHECK(r.opt_size == 1232);
  CHECK(r.ancount() == 1);
  CHECK(exchange(query(existing, type::a)).opt_count == 0);
}

TEST_CASE("RFC 6891 6.1.3: EDNS version > 0 gets BADVERS with an OPT and no answer") {
  for (uint8_t v : {1, 2, 255}) {
    CAPTURE(int(v));
    auto r = exchange(with_opt(query(existing, type::a), opt().version(v)));
    CHECK(r.rcode() == rc::badvers);
    CHECK((r.flags() & 0xF) == 0);  // 16 = extended rcode 1 in the OPT, 0 in the header
    CHECK(r.opt_ext_rcode == 1);
    CHECK(r.has_opt());
    CHECK(r.opt_version == 0);  // the highest version we implement
    check_empty(r);
    CHECK(r.question() == question_of(query(existing, type::a)));
  }
}

TEST_CASE("RFC 8906 3.2.2: EDNS version 1 with an unknown option and flag is still BADVERS") {
  auto r = exchange(with_opt(query(existing, type::a),
                             opt().version(1).flags(0x4000).options({0xFF, 0xAA, 0, 2, 1, 2})));
  CHECK(r.rcode() == rc::badvers);
  CHECK(r.has_opt());
  CHECK(r.opt_flags == 0);
  CHECK(r.opt_rdlen == 0);
}

TEST_CASE("RFC 6891 6.1.2 / RFC 8906 3.2.3: unknown EDNS options are ignored and not echoed") {
  auto plain = exchange(with_opt(query(existing, type::a)));
  for (uint16_t code : {uint16_t(100), uint16_t(65001), uint16_t(14)}) {
    CAPTURE(code);
    bytes options = {uint8_t(code >> 8), uint8_t(code), 0, 4, 0xDE, 0xAD, 0xBE, 0xEF,
                     0xFF, 0xFE, 0, 0};  // and an empty one
    auto r = exchange(with_opt(query(existing, type::a), opt().options(options)));
    CHECK(r.rcode() == rc::noerror);
    CHECK(r.has_opt());
    CHECK(r.opt_rdlen == 0);
    CHECK(r.b == plain.b);  // the same answer as without the options
  }
}

TEST_CASE("RFC 6891 6.1.2: an option overrunning the OPT RDATA is FORMERR") {
  auto r = exchange(with_opt(query(existing, type::a), opt().options({0, 100, 0, 9, 1, 2})));
  CHECK(r.rcode() == rc::formerr);
  CHECK(r.has_opt());
  check_empty(r);
  auto half = exchange(with_opt(query(existing, type::a), opt().options({0, 100, 0})));
  CHECK(half.rcode() == rc::formerr);
}

TEST_CASE("RFC 6891 6.1.4 / RFC 8906 3.2.4: unknown EDNS flags are ignored and not echoed") {
  for (uint16_t f : {uint16_t(0x4000), uint16_t(0x0001), uint16_t(0x7FFF)}) {
    CAPTURE(f);
    auto r = exchange(with_opt(query(existing, type::a), opt().flags(f)));
    CHECK(r.rcode() == rc::noerror);
    CHECK(r.ancount() == 1);
    CHECK(r.has_opt());
    CHECK(r.opt_flags == 0);
  }
}

TEST_CASE("RFC 3225 3 / RFC 8906 3.2.6: DO=1 is answered normally, DO copied, no DNSSEC records") {
  auto r = exchange(with_opt(query(existing, type::a), opt().flags(0xC000)));  // DO + unknown
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.aa());
  CHECK_FALSE(r.ad());
  CHECK(r.opt_flags == 0x8000);  // DO copied, the unknown bit not
  REQUIRE(r.ancount() == 1);
  REQUIRE(r.pkt);
  for (ldns_rr_list* l : {ldns_pkt_answer(r.pkt.get()), ldns_pkt_authority(r.pkt.get()),
                          ldns_pkt_additional(r.pkt.get())})
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); ++i) {
      ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(l, i));
      CHECK(t != LDNS_RR_TYPE_RRSIG);
      CHECK(t != LDNS_RR_TYPE_NSEC);
      CHECK(t != LDNS_RR_TYPE_NSEC3);
    }
  auto nx = exchange(with_opt(query(missing, type::a), opt().flags(0x8000)));
  CHECK(nx.rcode() == rc::nxdomain);
  CHECK(nx.authority_soa() == 1);
  CHECK(nx.nscount() == 1);  // the SOA alone, no NSEC proof
}

TEST_CASE("RFC 6891 6.1.1: two OPT records are FORMERR") {
  auto q = with_opt(with_opt(query(existing, type::a)));
  auto r = exchange(q);
  CHECK(r.rcode() == rc::formerr);
  CHECK(r.has_opt());  // RFC 6891 7: the query had an OPT
  CHECK(r.opt_flags == 0);
  check_empty(r);
  CHECK(r.question() == question_of(q));
}

TEST_CASE("RFC 6891 6.1.1: an OPT record in ANSWER or AUTHORITY is FORMERR") {
  for (size_t count_at : {size_t(6), size_t(8)}) {
    CAPTURE(count_at);
    auto r = exchange(with_opt(query(existing, type::a), opt(), count_at));
    CHECK(r.rcode() == rc::formerr);
    check_empty(r);
  }
}

TEST_CASE("RFC 6891 6.1.2: an OPT record whose owner is not the root is FORMERR") {
  auto r = exchange(with_opt(query(existing, type::a), opt().owner(wire_name("foo"))));
  CHECK(r.rcode() == rc::formerr);
  check_empty(r);
}

TEST_CASE("RFC 8906 3.2.7: EDNS over TCP gets an OPT and the whole answer") {
  auto r = exchange(with_opt(query(too_big, type::a), opt().size(512)), true);
  CHECK(r.rcode() == rc::noerror);
  CHECK_FALSE(r.tc());
  CHECK(r.ancount() == 100);
  CHECK(r.has_opt());
}

// ---- response size (RFC 1035 4.2.1, RFC 6891 6.2.3-6.2.5, RFC 8906 3.2.5) ----------------------

TEST_CASE("RFC 1035 4.2.1: without an OPT a UDP reply is at most 512 bytes, TC when cut") {
  auto big = exchange(query(too_big, type::a));
  CHECK(big.b.size() <= 512);
  CHECK(big.tc());
  CHECK(big.ancount() == 0);
  // 657 bytes with all its addresses: additional records are dropped first, no TC.
  auto mid = exchange(query(mid_size, type::naptr));
  CHECK(mid.b.size() <= 512);
  CHECK(mid.ancount() == 3);
  CHECK_FALSE(mid.tc());
}

TEST_CASE("RFC 6891 6.2.3: with an OPT of 512..1232 a UDP reply is at most that size") {
  auto full = exchange(with_opt(query(mid_size, type::naptr), opt().size(1232)));
  REQUIRE(full.b.size() > 600);  // the case is meaningful only if the answer is this large
  CHECK_FALSE(full.tc());
  for (uint16_t size : {uint16_t(512), uint16_t(600), uint16_t(700), uint16_t(1000),
                        uint16_t(1232)}) {
    CAPTURE(size);
    auto r = exchange(with_opt(query(mid_size, type::naptr), opt().size(size)));
    CHECK(r.b.size() <= size);
    CHECK(r.has_opt());
    CHECK(r.ancount() == 3);
    if (size >= full.b.size()) CHECK(r.b == full.b);
    auto big = exchange(with_opt(query(too_big, type::a), opt().size(size)));
    CHECK(big.b.size() <= size);
    CHECK(big.tc());
    CHECK(big.has_opt());
  }
}

TEST_CASE("RFC 6891 6.2.5: an OPT size below 512 is treated as 512") {
  for (uint16_t size : {uint16_t(0), uint16_t(1), uint16_t(100), uint16_t(511)}) {
    CAPTURE(size);
    auto r = exchange(with_opt(query(mid_size, type::naptr), opt().size(size)));
    CHECK(r.b.size() <= 512);
    CHECK(r.b.size() > 400);  // 512, not the tiny advertised size
    CHECK(r.ancount() == 3);
    CHECK_FALSE(r.tc());
    auto big = exchange(with_opt(query(too_big, type::a), opt().size(size)));
    CHECK(big.b.size() <= 512);
    CHECK(big.tc());
  }
}

TEST_CASE("RFC 8906 3.2.5: an OPT size above 1232 is capped at 1232 (DNS flag day 2020)") {
  for (uint16_t size : {uint16_t(1233), uint16_t(4096), uint16_t(65535)}) {
    CAPTURE(size);
    auto big = exchange(with_opt(query(too_big, type::a), opt().size(size)));
    CHECK(big.b.size() <= 1232);
    CHECK(big.tc());
    CHECK(big.has_opt());
    CHECK(big.opt_size == 1232);
  }
}
