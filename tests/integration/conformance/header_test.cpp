// Protocol conformance of the real sipdnsd, the header and the question (RFC 1035 4.1.1 and
// 4.1.2, RFC 4035 3.1.6, RFC 8906 3.1.3, RFC 9619): hand-built queries, one case per rule.
#include "conformance.hpp"

using namespace conformance;

// ---- header (RFC 1035 4.1.1, RFC 4035 3.1.6, RFC 8906 3.1.3) ----------------------------------

TEST_CASE("RFC 1035 4.1.1: the ID is echoed and QR set in every reply") {
  for (uint16_t id : {0x0000, 0x0001, 0x7FFF, 0xFFFF}) {
    auto q = query(existing, type::a);
    put16(q, 0, id);
    auto r = exchange(q);
    CHECK(r.id() == id);
    CHECK(r.qr());
    CHECK(r.opcode() == 0);
  }
}

TEST_CASE("RFC 1035 4.1.1: RA is never set by an authoritative-only server") {
  for (bool rd : {false, true}) {
    auto q = query(existing, type::a);
    if (rd) q[2] |= 0x01;
    CHECK_FALSE(exchange(q).ra());
    CHECK_FALSE(exchange(query(outside, type::a)).ra());
  }
}

TEST_CASE("RFC 1035 4.1.1: RD is copied from the query into the reply") {
  auto q = query(existing, type::a);
  CHECK_FALSE(exchange(q).rd());
  q[2] |= 0x01;
  auto r = exchange(q);
  CHECK(r.rd());
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.aa());
}

TEST_CASE("RFC 4035 3.1.6: CD is copied from the query into the reply") {
  auto q = query(existing, type::a);
  CHECK_FALSE(exchange(q).cd());
  q[3] |= 0x10;
  auto r = exchange(q);
  CHECK(r.cd());
  CHECK(r.ancount() == 1);
}

TEST_CASE("RFC 4035 3.1.6: AD is never set by a server that does not validate") {
  auto q = query(existing, type::a);
  q[3] |= 0x20;  // RFC 6840 5.7: AD in a query only asks for the AD bit in the reply
  auto r = exchange(q);
  CHECK_FALSE(r.ad());
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.ancount() == 1);
}

TEST_CASE("RFC 8906 3.1.3: a nonzero Z bit is ignored (normal answer) and Z is zero in the reply") {
  auto q = query(existing, type::a);
  q[3] |= 0x40;
  auto r = exchange(q);
  CHECK_FALSE(r.z());
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.aa());
  REQUIRE(r.ancount() == 1);
  auto plain = exchange(query(existing, type::a));
  CHECK(bytes(r.b.begin() + 4, r.b.end()) == bytes(plain.b.begin() + 4, plain.b.end()));
}

TEST_CASE("RFC 8906 3.1.3: TC is not set on a reply that fits") {
  for (auto q : {query(existing, type::a), query(missing, type::a), query(outside, type::a),
                 with_opt(query(mid_size, type::naptr))})
    CHECK_FALSE(exchange(q).tc());
}

// ---- dropped packets -------------------------------------------------------------------------

TEST_CASE("RFC 1035 4.1.1: a message with QR=1 (a response) gets no reply") {
  auto q = query(existing, type::a);
  q[2] |= 0x80;
  CHECK_FALSE(ask(q).has_value());
  auto with_edns = with_opt(query(existing, type::a));
  with_edns[2] |= 0x80;
  CHECK_FALSE(ask(with_edns).has_value());
  check_still_serving();
}

TEST_CASE("RFC 1035 4.1.1: a packet shorter than the 12-byte header gets no reply") {
  auto q = query(existing, type::a);
  for (size_t n : {size_t(1), size_t(2), size_t(11)}) {
    CHECK_FALSE(ask(bytes(q.begin(), q.begin() + long(n))).has_value());
  }
  check_still_serving();
}

// ---- the question ----------------------------------------------------------------------------

TEST_CASE("RFC 1035 4.1.2 / RFC 4343: the question is echoed byte for byte, 0x20 case included") {
  std::vector<bytes> cases = {
      query("Ns1.UcTeSt.LoCaL", type::a),                        // answer
      query("NoPe.UCTEST.local", type::a),                       // NXDOMAIN
      query("hAbIbExPc-ClUsTeR.uctest.local", type::unknown),    // NODATA
      query("WWW.Example.ORG", type::a),                         // REFUSED (no zone)
      query("VeRsIoN.BiNd", type::txt, cls::ch),                 // REFUSED (CHAOS)
      query("UcTeSt.LoCaL", type::axfr),                         // NOTIMP (AXFR over UDP)
      query("UcTeSt.LoCaL", type::maila),                        // NOTIMP
      query("UcTeSt.LoCaL", type::opt),                          // FORMERR
      with_opt(query("Ns1.UcTeSt.LoCaL", type::a), opt().version(1)),  // BADVERS
  };
  auto notify = query("UcTeSt.LoCaL", type::soa);
  set_opcode(notify, 4);
  cases.push_back(notify);
  for (const auto& q : cases) {
    auto r = exchange(q);
    CHECK(r.qdcount() == 1);
    CHECK(r.question() == question_of(q));
  }
  // Over TCP too.
  auto q = query("_SiP._TcP.uctest.LOCAL", type::a);
  CHECK(exchange(q, true).question() == question_of(q));
}

TEST_CASE("RFC 9619: QDCOUNT=0 is FORMERR, with an OPT when the query had one") {
  bytes header = {0xBE, 0xEF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  auto r = exchange(header);
  CHECK(r.rcode() == rc::formerr);
  CHECK(r.qdcount() == 0);
  CHECK(r.opt_count == 0);
  check_empty(r);
  auto e = exchange(with_opt(header));
  CHECK(e.rcode() == rc::formerr);
  CHECK(e.qdcount() == 0);
  CHECK(e.has_opt());
  check_empty(e);
}

TEST_CASE("RFC 9619: QDCOUNT>1 is FORMERR") {
  auto q = query(existing, type::a);
  auto second = question_of(query("habibexpc1.uctest.local", type::a));
  q.insert(q.end(), second.begin(), second.end());
  put16(q, 4, 2);
  auto r = exchange(q);
  CHECK(r.rcode() == rc::formerr);
  CHECK(r.qdcount() == 0);
  check_empty(r);
  auto e = exchange(with_opt(q));
  CHECK(e.rcode() == rc::formerr);
  CHECK(e.has_opt());
  // A count that promises questions the packet does not hold.
  auto lying = query(existing, type::a);
  put16(lying, 4, 3);
  CHECK(exchange(lying).rcode() == rc::formerr);
}

TEST_CASE("RFC 1035 4.1.2: a malformed question (truncated, compressed, label > 63) is FORMERR") {
  auto q = query(existing, type::a);
  CHECK(exchange(bytes(q.begin(), q.end() - 2)).rcode() == rc::formerr);
  bytes pointer = {0xBE, 0xEF, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  CHECK(exchange(pointer).rcode() == rc::formerr);
  bytes long_label = {0xBE, 0xEF, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64};
  long_label.resize(long_label.size() + 64, 'a');
  long_label.insert(long_label.end(), {0, 0, 1, 0, 1});
  auto r = exchange(long_label);
  CHECK(r.rcode() == rc::formerr);
  CHECK(r.qdcount() == 0);
  check_still_serving();
}
