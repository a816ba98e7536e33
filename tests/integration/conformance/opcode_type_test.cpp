// Protocol conformance of the real sipdnsd, opcodes, query types and classes (RFC 1035,
// RFC 8906 3.1.2 and 3.1.4, RFC 3597, RFC 8482, RFC 5936, RFC 1995, RFC 6895): one case per
// rule.
#include "conformance.hpp"

using namespace conformance;

// ---- opcodes (RFC 1035 4.1.1, RFC 8906 3.1.4) --------------------------------------------------

TEST_CASE("RFC 8906 3.1.4: unknown opcodes (3, 6..15) and STATUS (2) get NOTIMP") {
  for (uint8_t op : {2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}) {
    CAPTURE(int(op));
    auto q = query(existing, type::a);
    set_opcode(q, op);
    auto r = exchange(q);
    CHECK(r.rcode() == rc::notimp);
    CHECK(r.opcode() == op);
    CHECK(r.question() == question_of(q));
    check_empty(r);
  }
}

TEST_CASE("RFC 8906 8.1.4: NOTIMP clears every header flag but QR and the opcode") {
  auto q = query(existing, type::a);
  set_opcode(q, 15);
  q[2] |= 0x04 | 0x02 | 0x01;         // AA, TC, RD
  q[3] |= 0x80 | 0x40 | 0x20 | 0x10;  // RA, Z, AD, CD
  for (bool tcp : {false, true}) {
    CAPTURE(tcp);
    auto r = exchange(q, tcp);
    CHECK(r.rcode() == rc::notimp);
    CHECK(r.opcode() == 15);
    CHECK(r.qr());
    CHECK((r.flags() & 0x07F0) == 0);  // AA TC RD RA Z AD CD
  }
}

TEST_CASE("RFC 1996 / RFC 2136: NOTIFY (4) and UPDATE (5) get NOTIMP (no transfers or updates)") {
  for (uint8_t op : {4, 5}) {
    CAPTURE(int(op));
    auto q = query("uctest.local", type::soa);
    set_opcode(q, op);
    for (bool tcp : {false, true}) {
      auto r = exchange(q, tcp);
      CHECK(r.rcode() == rc::notimp);
      CHECK(r.opcode() == op);
      CHECK_FALSE(r.aa());
      check_empty(r);
    }
  }
}

TEST_CASE("RFC 6891 7: NOTIMP, FORMERR and REFUSED replies carry an OPT when the query had one") {
  auto notify = with_opt(query("uctest.local", type::soa));
  set_opcode(notify, 4);
  auto n = exchange(notify);
  CHECK(n.rcode() == rc::notimp);
  CHECK(n.has_opt());
  CHECK(n.opt_version == 0);
  auto update = with_opt(query("uctest.local", type::soa));
  set_opcode(update, 5);
  CHECK(exchange(update).has_opt());
  auto status = with_opt(query("uctest.local", type::soa));
  set_opcode(status, 2);
  CHECK(exchange(status).has_opt());
  auto formerr = exchange(with_opt(query("uctest.local", type::opt)));
  CHECK(formerr.rcode() == rc::formerr);
  CHECK(formerr.has_opt());
  auto refused = exchange(with_opt(query(outside, type::a)));
  CHECK(refused.rcode() == rc::refused);
  CHECK(refused.has_opt());
  auto chaos = exchange(with_opt(query("version.bind", type::txt, cls::ch)));
  CHECK(chaos.rcode() == rc::refused);
  CHECK(chaos.has_opt());
  // And none when the query had none.
  auto plain = query("uctest.local", type::soa);
  set_opcode(plain, 4);
  CHECK(exchange(plain).opt_count == 0);
}

// ---- query types (RFC 3597, RFC 8906 3.1.2, RFC 8482, RFC 5936, RFC 1995) ----------------------

TEST_CASE("RFC 8906 3.1.2 / RFC 3597: an unknown type at an existing name is NODATA with the SOA") {
  for (uint16_t t : {type::unknown, uint16_t(65535), uint16_t(999)}) {
    CAPTURE(t);
    auto r = exchange(query(existing, t));
    CHECK(r.rcode() == rc::noerror);
    CHECK(r.aa());
    CHECK(r.ancount() == 0);
    CHECK(r.authority_soa() == 1);
  }
}

TEST_CASE("RFC 8906 3.1.2 / RFC 3597: an unknown type at a missing name is NXDOMAIN with the SOA") {
  auto r = exchange(query(missing, type::unknown));
  CHECK(r.rcode() == rc::nxdomain);
  CHECK(r.aa());
  CHECK(r.ancount() == 0);
  CHECK(r.authority_soa() == 1);
}

TEST_CASE("RFC 5936 4.2: AXFR over UDP gets NOTIMP (as NSD and Knot answer)") {
  auto r = exchange(query("uctest.local", type::axfr));
  CHECK(r.rcode() == rc::notimp);
  check_empty(r);
  CHECK(exchange(with_opt(query("uctest.local", type::axfr))).has_opt());
}

TEST_CASE("RFC 5936 2.2.1: AXFR over TCP is REFUSED (no transfer is provided to anyone yet)") {
  auto r = exchange(query("uctest.local", type::axfr), true);
  CHECK(r.rcode() == rc::refused);
  check_empty(r);
}

TEST_CASE("RFC 1995: IXFR gets the current SOA over UDP, REFUSED over TCP without --allow-transfer") {
  // An IXFR carries the client's SOA in AUTHORITY; a bare question is answered the same way.
  auto q = query("uctest.local", type::ixfr);
  bytes soa = {0xC0, 12, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
               0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  bytes with_soa = q;
  with_soa.insert(with_soa.end(), soa.begin(), soa.end());
  put16(with_soa, 8, 1);
  for (bool tcp : {false, true})
    for (const auto& x : {q, with_soa}) {
      CAPTURE(tcp);
      auto r = exchange(x, tcp);
      if (tcp) {
        CHECK(r.rcode() == rc::refused);
        check_empty(r);
      } else {
        CHECK(r.rcode() == rc::noerror);
        CHECK(r.ancount() == 1);  // the zone's SOA
      }
    }
}

TEST_CASE("RFC 1035 3.2.3: MAILA (253) and MAILB (254) get NOTIMP") {
  for (uint16_t t : {type::maila, type::mailb}) {
    auto r = exchange(query("uctest.local", t));
    CHECK(r.rcode() == rc::notimp);
    check_empty(r);
  }
}

TEST_CASE("RFC 8482 4.1: ANY gets one RRset, not the whole node") {
  auto r = exchange(query("uctest.local", type::any));
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.aa());
  REQUIRE(r.pkt);
  ldns_rr_list* an = ldns_pkt_answer(r.pkt.get());
  REQUIRE(ldns_rr_list_rr_count(an) >= 1);
  ldns_rr_type first = ldns_rr_get_type(ldns_rr_list_rr(an, 0));
  for (size_t i = 0; i < ldns_rr_list_rr_count(an); ++i)
    CHECK(ldns_rr_get_type(ldns_rr_list_rr(an, i)) == first);
}

TEST_CASE("RFC 6891 6.1.1: OPT as the query type is FORMERR") {
  CHECK(exchange(query("uctest.local", type::opt)).rcode() == rc::formerr);
}

// ---- classes ---------------------------------------------------------------------------------

TEST_CASE("CHAOS version.bind, id.server, hostname.bind are REFUSED: we disclose nothing") {
  for (auto name : {"version.bind", "id.server", "hostname.bind", "authors.bind"})
    for (uint16_t t : {type::txt, type::any}) {
      CAPTURE(name);
      auto r = exchange(query(name, t, cls::ch));
      CHECK(r.rcode() == rc::refused);
      CHECK_FALSE(r.aa());
      check_empty(r);
    }
}

TEST_CASE("RFC 6895 3.2: classes other than IN and ANY (HS, NONE, unassigned) are REFUSED") {
  for (uint16_t c : {cls::hs, uint16_t(2), uint16_t(254), uint16_t(1000)}) {
    CAPTURE(c);
    auto r = exchange(query(existing, type::a, c));
    CHECK(r.rcode() == rc::refused);
    check_empty(r);
  }
}
