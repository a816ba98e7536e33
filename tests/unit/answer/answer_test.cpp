// Answer logic: rcodes, sections, rotation, truncation; every response parsed back with ldns.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>

#include "answer/answer.hpp"
#include "compile/build.hpp"
#include "support/ldns_support.hpp"
#include "wire/constants.hpp"
#include "wire/query.hpp"

using namespace sipdns;
using test::make_query;
using test::section;

namespace {

std::vector<std::string> zone_lines() {
  std::vector<std::string> l = {
      "uctest.local. 3600 IN SOA ns1.uctest.local. hostmaster.uctest.local. 1 3600 600 604800 60",
      "@ NS ns1",
      "ns1 A 127.0.0.1",
      "habibexpc1 A 10.48.53.127",
      "habibexpc2 A 10.48.53.128",
      "habibexpc-cluster 30 A 10.48.53.127",
      "habibexpc-cluster 30 A 10.48.53.128",
      "_sip._tcp 86400 SRV 10 10 5060 habibexpc1",
      "_sip._tcp 86400 SRV 10 10 5060 habibexpc2",
      "@ 86400 NAPTR 12 100 \"s\" \"SIP+D2T\" \"\" _sip._tcp.uctest.local.",
      "www 300 CNAME habibexpc1",
      "loop1 CNAME loop2",
      "loop2 CNAME loop1",
      "dangling CNAME nothing-here",
      "child NS ns.child",
      "ns.child A 127.0.0.53",
      "@ MX 10 habibexpc1",
  };
  for (int i = 0; i < 100; ++i) l.push_back("many A 127.1.0." + std::to_string(i));
  for (int i = 0; i < 8; ++i) {
    std::string t = "target-number-" + std::to_string(10 + i);
    l.push_back("_sip._udp SRV 10 10 5060 " + t);
    l.push_back(t + " A 127.2.0." + std::to_string(i));
  }
  return l;
}

struct fixture {
  compile::snapshot_ptr snap = compile::build({test::make_zone("uctest.local.", zone_lines())});
  std::array<uint8_t, 65535> out{};
  answer::loop_state state;

  size_t raw(const std::vector<uint8_t>& q, answer::transport t = answer::transport::udp) {
    return answer::respond(*snap, q, out, t, state);
  }
  test::pkt_ptr ask(const std::vector<uint8_t>& q,
                    answer::transport t = answer::transport::udp) {
    size_t n = raw(q, t);
    REQUIRE(n > 0);
    wire::query parsed;
    wire::parse_query(q, parsed);
    if (t == answer::transport::udp) CHECK(n <= wire::udp_limit(parsed));
    auto p = test::parse_packet(out.data(), n);
    REQUIRE(p);  // ldns accepts every response we write
    return p;
  }
  test::pkt_ptr ask(const std::string& name, ldns_rr_type type, uint16_t edns = 0) {
    return ask(make_query(name, type, edns));
  }
};

}  // namespace

TEST_CASE("SRV answer is authoritative, echoes the question's case and carries target addresses") {
  fixture f;
  auto p = f.ask("_SIP._tcp.UCtest.local.", LDNS_RR_TYPE_SRV);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_aa(p.get()));
  CHECK_FALSE(ldns_pkt_ra(p.get()));
  CHECK(ldns_pkt_id(p.get()) == 4242);
  auto q = section(ldns_pkt_question(p.get()));
  REQUIRE(q.size() == 1);
  CHECK(q[0].find("_SIP._tcp.UCtest.local.") == 0);
  auto an = section(ldns_pkt_answer(p.get()));
  REQUIRE(an.size() == 2);
  CHECK(an[0] == "_SIP._tcp.UCtest.local.\t86400\tIN\tSRV\t10 10 5060 habibexpc1.uctest.local.");
  CHECK(an[1] == "_SIP._tcp.UCtest.local.\t86400\tIN\tSRV\t10 10 5060 habibexpc2.uctest.local.");
  auto ad = section(ldns_pkt_additional(p.get()));
  REQUIRE(ad.size() == 2);
  CHECK(ad[0] == "habibexpc1.uctest.local.\t3600\tIN\tA\t10.48.53.127");
  CHECK(ad[1] == "habibexpc2.uctest.local.\t3600\tIN\tA\t10.48.53.128");
}

TEST_CASE("NAPTR answer chains SRV and addresses into ADDITIONAL (RFC 3403 4.2)") {
  fixture f;
  auto p = f.ask("uctest.local.", LDNS_RR_TYPE_NAPTR);
  CHECK(section(ldns_pkt_answer(p.get())).size() == 1);
  auto ad = section(ldns_pkt_additional(p.get()));
  REQUIRE(ad.size() == 4);
  CHECK(ad[0].find("_sip._tcp.uctest.local.\t86400\tIN\tSRV\t10 10 5060 habibexpc1") == 0);
  CHECK(ad[2].find("habibexpc1.uctest.local.\t3600\tIN\tA") == 0);
}

TEST_CASE("round-robin A rotates between answers; the snapshot is not reordered") {
  fixture f;
  auto first = section(ldns_pkt_answer(f.ask("habibexpc-cluster.uctest.local.", LDNS_RR_TYPE_A).get()));
  auto second = section(ldns_pkt_answer(f.ask("habibexpc-cluster.uctest.local.", LDNS_RR_TYPE_A).get()));
  REQUIRE(first.size() == 2);
  REQUIRE(second.size() == 2);
  CHECK(first[0] != second[0]);
  std::sort(first.begin(), first.end());
  std::sort(second.begin(), second.end());
  CHECK(first == second);
  CHECK(first[0].find("\t30\tIN\tA\t") != std::string::npos);
}

TEST_CASE("NODATA and NXDOMAIN carry the SOA with TTL min(SOA TTL, minimum) (RFC 2308)") {
  fixture f;
  auto nodata = f.ask("habibexpc-cluster.uctest.local.", LDNS_RR_TYPE_AAAA);
  CHECK(ldns_pkt_get_rcode(nodata.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(nodata.get()) == 0);
  auto ns = section(ldns_pkt_authority(nodata.get()));
  REQUIRE(ns.size() == 1);
  CHECK(ns[0].find("uctest.local.\t60\tIN\tSOA\tns1.uctest.local. hostmaster.uctest.local. 1") == 0);

  for (auto name : {"nope.uctest.local.", "a.b.c.NOPE.uctest.local."}) {
    auto nx = f.ask(name, LDNS_RR_TYPE_A);
    CHECK(ldns_pkt_get_rcode(nx.get()) == LDNS_RCODE_NXDOMAIN);
    CHECK(ldns_pkt_aa(nx.get()));
    CHECK(section(ldns_pkt_authority(nx.get())).size() == 1);
  }
  // An empty non-terminal exists: NODATA, not NXDOMAIN.
  auto ent = f.ask("_tcp.uctest.local.", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(ent.get()) == LDNS_RCODE_NOERROR);
}

TEST_CASE("names outside every zone are REFUSED") {
  fixture f;
  auto p = f.ask("www.example.org.", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_REFUSED);
  CHECK_FALSE(ldns_pkt_aa(p.get()));
}

TEST_CASE("CNAME is followed inside the zone; loops and dangling targets stay bounded") {
  fixture f;
  auto p = f.ask("www.uctest.local.", LDNS_RR_TYPE_A);
  auto an = section(ldns_pkt_answer(p.get()));
  REQUIRE(an.size() == 2);
  CHECK(an[0] == "www.uctest.local.\t300\tIN\tCNAME\thabibexpc1.uctest.local.");
  CHECK(an[1] == "habibexpc1.uctest.local.\t3600\tIN\tA\t10.48.53.127");
  CHECK(section(ldns_pkt_answer(f.ask("www.uctest.local.", LDNS_RR_TYPE_CNAME).get())).size() == 1);
  auto loop = f.ask("loop1.uctest.local.", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_ancount(loop.get()) <= 9);
  auto dangling = f.ask("dangling.uctest.local.", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(dangling.get()) == LDNS_RCODE_NXDOMAIN);
  CHECK(ldns_pkt_ancount(dangling.get()) == 1);
}

TEST_CASE("a delegated child gets a referral with glue, not an authoritative answer") {
  fixture f;
  for (auto name : {"child.uctest.local.", "host.child.uctest.local.", "ns.child.uctest.local."}) {
    auto p = f.ask(name, LDNS_RR_TYPE_A);
    CHECK_FALSE(ldns_pkt_aa(p.get()));
    CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
    CHECK(ldns_pkt_ancount(p.get()) == 0);
    auto ns = section(ldns_pkt_authority(p.get()));
    REQUIRE(ns.size() == 1);
    CHECK(ns[0] == "child.uctest.local.\t3600\tIN\tNS\tns.child.uctest.local.");
    auto ad = section(ldns_pkt_additional(p.get()));
    REQUIRE(ad.size() == 1);
    CHECK(ad[0] == "ns.child.uctest.local.\t3600\tIN\tA\t127.0.0.53");
  }
}

TEST_CASE("MX and NS answers carry addresses") {
  fixture f;
  CHECK(section(ldns_pkt_additional(f.ask("uctest.local.", LDNS_RR_TYPE_MX).get())).size() == 1);
  CHECK(section(ldns_pkt_additional(f.ask("uctest.local.", LDNS_RR_TYPE_NS).get())).size() == 1);
}

TEST_CASE("ANY gets one RRset (RFC 8482)") {
  fixture f;
  auto p = f.ask("uctest.local.", LDNS_RR_TYPE_ANY);
  auto an = section(ldns_pkt_answer(p.get()));
  REQUIRE(an.size() == 1);
}

TEST_CASE("oversized answers: additional dropped first, then TC; complete over TCP") {
  fixture f;
  auto p = f.ask("_sip._udp.uctest.local.", LDNS_RR_TYPE_SRV);  // 512 bytes without EDNS
  CHECK_FALSE(ldns_pkt_tc(p.get()));
  CHECK(ldns_pkt_ancount(p.get()) == 8);
  CHECK(ldns_pkt_arcount(p.get()) < 8);
  CHECK(ldns_pkt_arcount(p.get()) > 0);
  auto big = f.ask(make_query("many.uctest.local.", LDNS_RR_TYPE_A, 4096));
  CHECK(ldns_pkt_tc(big.get()));
  CHECK(ldns_pkt_ancount(big.get()) == 0);
  auto over_tcp = f.ask(make_query("many.uctest.local.", LDNS_RR_TYPE_A), answer::transport::tcp);
  CHECK_FALSE(ldns_pkt_tc(over_tcp.get()));
  CHECK(ldns_pkt_ancount(over_tcp.get()) == 100);
}

TEST_CASE("EDNS: OPT echoed with our size; BADVERS for version 1; DO copied") {
  fixture f;
  auto p = f.ask("habibexpc1.uctest.local.", LDNS_RR_TYPE_A, 4096);
  CHECK(ldns_pkt_edns(p.get()));
  CHECK(ldns_pkt_edns_udp_size(p.get()) == 1232);
  auto q = make_query("habibexpc1.uctest.local.", LDNS_RR_TYPE_A, 4096);
  // OPT is the last 11 bytes: version is byte 6 of it, DO the top bit of byte 7.
  q[q.size() - 11 + 6] = 1;
  size_t n = f.raw(q);
  auto bad = test::parse_packet(f.out.data(), n);
  REQUIRE(bad);
  CHECK(ldns_pkt_edns_extended_rcode(bad.get()) == 1);  // 16 >> 4: BADVERS
  q[q.size() - 11 + 6] = 0;
  q[q.size() - 11 + 7] = 0x80;
  n = f.raw(q);
  auto with_do = test::parse_packet(f.out.data(), n);
  REQUIRE(with_do);
  CHECK(ldns_pkt_edns_do(with_do.get()));
}

TEST_CASE("malformed queries: FORMERR, NOTIMP, or dropped") {
  fixture f;
  auto q = make_query("uctest.local.", LDNS_RR_TYPE_SOA);
  auto rcode_of = [&](const std::vector<uint8_t>& pkt) {
    size_t n = f.raw(pkt);
    REQUIRE(n >= 12);
    return f.out[3] & 0xF;
  };
  auto no_question = q;
  no_question[5] = 0;
  CHECK(rcode_of(no_question) == 1);
  auto two_questions = q;
  two_questions[5] = 2;
  CHECK(rcode_of(two_questions) == 1);
  auto truncated = q;
  truncated.resize(15);
  CHECK(rcode_of(truncated) == 1);
  std::vector<uint8_t> pointer_loop = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  CHECK(rcode_of(pointer_loop) == 1);
  auto notify = q;
  notify[2] = 4 << 3;  // opcode NOTIFY
  CHECK(rcode_of(notify) == 4);
  auto response = q;
  response[2] |= 0x80;
  CHECK(f.raw(response) == 0);
  CHECK(f.raw(std::vector<uint8_t>(q.begin(), q.begin() + 11)) == 0);
  auto chaos = q;
  chaos[chaos.size() - 1] = 3;
  CHECK(rcode_of(chaos) == 5);
}

TEST_CASE("RD is copied, RA never set") {
  fixture f;
  auto q = make_query("ns1.uctest.local.", LDNS_RR_TYPE_A);
  q[2] |= 0x01;  // RD
  size_t n = f.raw(q);
  auto p = test::parse_packet(f.out.data(), n);
  REQUIRE(p);
  CHECK(ldns_pkt_rd(p.get()));
  CHECK_FALSE(ldns_pkt_ra(p.get()));
}

TEST_CASE("NOTIMP and FORMERR replies carry an OPT when the query had one (RFC 6891 7)") {
  fixture f;
  auto notify = make_query("uctest.local.", LDNS_RR_TYPE_SOA, 1232);
  notify[2] = 4 << 3;
  auto n = f.ask(notify);
  CHECK(ldns_pkt_get_rcode(n.get()) == LDNS_RCODE_NOTIMPL);
  CHECK(ldns_pkt_edns(n.get()));
  CHECK(ldns_pkt_qdcount(n.get()) == 1);
  auto no_question = make_query("uctest.local.", LDNS_RR_TYPE_SOA, 1232);
  // Drop the question: header, then the OPT alone.
  std::vector<uint8_t> bare(no_question.begin(), no_question.begin() + 12);
  bare.insert(bare.end(), no_question.end() - 11, no_question.end());
  bare[5] = 0;
  auto fe = f.ask(bare);
  CHECK(ldns_pkt_get_rcode(fe.get()) == LDNS_RCODE_FORMERR);
  CHECK(ldns_pkt_edns(fe.get()));
  CHECK(ldns_pkt_qdcount(fe.get()) == 0);
}

TEST_CASE("AXFR: NOTIMP over UDP, REFUSED over TCP; IXFR: the SOA over UDP, REFUSED over TCP") {
  fixture f;
  auto axfr = make_query("uctest.local.", LDNS_RR_TYPE_AXFR);
  CHECK(ldns_pkt_get_rcode(f.ask(axfr).get()) == LDNS_RCODE_NOTIMPL);
  CHECK(ldns_pkt_get_rcode(f.ask(axfr, answer::transport::tcp).get()) == LDNS_RCODE_REFUSED);
  auto ixfr = make_query("uctest.local.", LDNS_RR_TYPE_IXFR);
  auto u = f.ask(ixfr);
  REQUIRE(u);
  CHECK(ldns_pkt_get_rcode(u.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_aa(u.get()));
  REQUIRE(ldns_pkt_qdcount(u.get()) == 1);
  CHECK(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(u.get()), 0)) == LDNS_RR_TYPE_IXFR);
  REQUIRE(ldns_pkt_ancount(u.get()) == 1);
  CHECK(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(u.get()), 0)) == LDNS_RR_TYPE_SOA);
  CHECK(ldns_pkt_get_rcode(f.ask(ixfr, answer::transport::tcp).get()) == LDNS_RCODE_REFUSED);
}

TEST_CASE("a TSIG-signed query is answered as usual, marked for signing, with room for the TSIG") {
  fixture f;
  // The SRV answer with its additional addresses nearly fills 512 bytes unsigned; signed, it
  // must leave room for a TSIG as long as the query's plus error data and a full MAC.
  std::vector<uint8_t> q = make_query("_sip._udp.uctest.local.", LDNS_RR_TYPE_SRV);
  const size_t unsigned_len = f.raw(q);
  std::vector<uint8_t> tsig = {7, 'x', 'f', 'r', '-', 'k', 'e', 'y', 0, 0, 250, 0, 255, 0, 0, 0, 0};
  const std::vector<uint8_t> rdata(61, 0);  // the size of an hmac-sha256 TSIG's RDATA
  tsig.push_back(0), tsig.push_back(uint8_t(rdata.size()));
  tsig.insert(tsig.end(), rdata.begin(), rdata.end());
  q[11] = uint8_t(q[11] + 1);
  q.insert(q.end(), tsig.begin(), tsig.end());
  wire::reply_info info;
  const size_t n = answer::respond(*f.snap, q, f.out, answer::transport::udp, f.state, info);
  CHECK(info.signed_query);
  CHECK(n < unsigned_len);
  CHECK(n + tsig.size() + 6 + 64 <= 512);
  wire::reply_info plain;
  answer::respond(*f.snap, make_query("_sip._udp.uctest.local.", LDNS_RR_TYPE_SRV), f.out,
                  answer::transport::udp, f.state, plain);
  CHECK_FALSE(plain.signed_query);
}
