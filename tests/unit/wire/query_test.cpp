// The query parser against hand-built and truncated packets.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "wire/query.hpp"

using namespace sipdns::wire;

namespace {

// _sip._tcp.UCtest.local SRV IN, id 0x1234, RD, optionally with an OPT record.
std::vector<uint8_t> srv_query(bool edns, uint8_t version = 0, uint16_t size = 1232) {
  std::vector<uint8_t> p = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, uint8_t(edns ? 1 : 0)};
  for (std::string label : {"_sip", "_tcp", "UCtest", "local"}) {
    p.push_back(uint8_t(label.size()));
    p.insert(p.end(), label.begin(), label.end());
  }
  p.insert(p.end(), {0, 0, 33, 0, 1});
  if (edns)
    p.insert(p.end(), {0, 0, 41, uint8_t(size >> 8), uint8_t(size), 0, version, 0x80, 0, 0, 0});
  return p;
}

}  // namespace

TEST_CASE("a plain query parses with a lower-cased key and the question bounds") {
  query q;
  auto p = srv_query(false);
  REQUIRE(parse_query(p, q) == parse_status::ok);
  CHECK(q.id == 0x1234);
  CHECK(q.qtype == 33);
  CHECK(q.qclass == 1);
  CHECK(q.qname_len == 24);
  CHECK(q.question_end == p.size());
  CHECK(std::string(reinterpret_cast<char*>(q.qname_lower), q.qname_len) ==
        std::string("\4_sip\4_tcp\6uctest\5local\0", 24));
  CHECK_FALSE(q.has_edns);
  CHECK(udp_limit(q) == 512);
}

TEST_CASE("EDNS: size, DO, version; tiny sizes raised to 512, large ones clamped") {
  query q;
  REQUIRE(parse_query(srv_query(true, 0, 4096), q) == parse_status::ok);
  CHECK(q.has_edns);
  CHECK(q.edns_do);
  CHECK(udp_limit(q) == our_edns_size);
  REQUIRE(parse_query(srv_query(true, 0, 100), q) == parse_status::ok);
  CHECK(udp_limit(q) == 512);
  CHECK(parse_query(srv_query(true, 1), q) == parse_status::badvers);
}

TEST_CASE("two OPT records, or an OPT outside ADDITIONAL, are FORMERR (RFC 6891 6.1.1)") {
  query q;
  auto p = srv_query(true);
  p[11] = 2;
  p.insert(p.end(), {0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0});
  CHECK(parse_query(p, q) == parse_status::formerr);
  auto in_answer = srv_query(true);
  in_answer[7] = 1, in_answer[11] = 0;
  CHECK(parse_query(in_answer, q) == parse_status::formerr);
}

TEST_CASE("every truncation of a valid query is handled without reading past the end") {
  auto p = srv_query(true);
  for (size_t n = 0; n < p.size(); ++n) {
    query q;
    auto cut = std::vector<uint8_t>(p.begin(), p.begin() + n);
    parse_status s = parse_query(cut, q);
    if (n < header_size) CHECK(s == parse_status::drop);
    else CHECK(s == parse_status::formerr);
  }
}

TEST_CASE("responses are dropped; other opcodes are NOTIMP with the question kept") {
  query q;
  auto p = srv_query(false);
  p[2] |= 0x80;
  CHECK(parse_query(p, q) == parse_status::drop);
  p = srv_query(false);
  p[2] = 5 << 3;  // UPDATE
  CHECK(parse_query(p, q) == parse_status::notimp);
  CHECK(q.question_ok);
}

TEST_CASE("bad QNAMEs: pointers, long labels, names over 255 bytes") {
  query q;
  std::vector<uint8_t> pointer = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1};
  CHECK(parse_query(pointer, q) == parse_status::formerr);
  std::vector<uint8_t> long_label = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64};
  long_label.resize(long_label.size() + 64, 'a');
  long_label.insert(long_label.end(), {0, 0, 1, 0, 1});
  CHECK(parse_query(long_label, q) == parse_status::formerr);
  std::vector<uint8_t> too_long = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 5; ++i) {
    too_long.push_back(60);
    too_long.resize(too_long.size() + 60, 'b');
  }
  too_long.insert(too_long.end(), {0, 0, 1, 0, 1});
  CHECK(parse_query(too_long, q) == parse_status::formerr);
}

TEST_CASE("a compression loop in ADDITIONAL does not stall the parser") {
  query q;
  auto p = srv_query(false);
  p[11] = 1;
  p.insert(p.end(), {0xC0, uint8_t(p.size()), 0, 1, 0, 1, 0, 0, 0, 0, 0, 0});
  CHECK(parse_query(p, q) == parse_status::ok);
}

TEST_CASE("NOTIFY, UPDATE and unknown opcodes still have their OPT read (RFC 6891 section 7)") {
  for (uint8_t op : {2, 4, 5, 15}) {
    query q;
    auto p = srv_query(true);
    p[2] = uint8_t(op << 3);
    CHECK(parse_query(p, q) == parse_status::notimp);
    CHECK(q.has_edns);
    CHECK(q.question_ok);
  }
}

TEST_CASE("QDCOUNT 0 or 2 is FORMERR with no question to echo, but the OPT is read") {
  query q;
  std::vector<uint8_t> none = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0};
  CHECK(parse_query(none, q) == parse_status::formerr);
  CHECK_FALSE(q.question_ok);
  CHECK(q.has_edns);
  auto two = srv_query(true);
  std::vector<uint8_t> second = {3, 'f', 'o', 'o', 0, 0, 1, 0, 1};
  two.insert(two.begin() + long(two.size() - 11), second.begin(), second.end());
  two[5] = 2;
  CHECK(parse_query(two, q) == parse_status::formerr);
  CHECK_FALSE(q.question_ok);
  CHECK(q.has_edns);
  two[5] = 3;  // a question the packet does not hold
  CHECK(parse_query(two, q) == parse_status::formerr);
}

TEST_CASE("a malformed OPT is FORMERR, still counts as EDNS, and its DO bit is not echoed") {
  query q;
  auto owner = srv_query(true);
  owner.insert(owner.end() - 11, {3, 'f', 'o', 'o'});  // owner "foo." instead of the root
  CHECK(parse_query(owner, q) == parse_status::formerr);
  CHECK(q.has_edns);
  CHECK_FALSE(q.edns_do);
  auto overrun = srv_query(true);
  overrun[overrun.size() - 1] = 6;  // RDLEN 6: one option claiming 9 bytes of data
  overrun.insert(overrun.end(), {0, 100, 0, 9, 1, 2});
  CHECK(parse_query(overrun, q) == parse_status::formerr);
  auto fine = srv_query(true);
  fine[fine.size() - 1] = 8;  // an unknown option and an empty one: ignored
  fine.insert(fine.end(), {0xFF, 0x01, 0, 0, 0, 100, 0, 0});
  CHECK(parse_query(fine, q) == parse_status::ok);
  CHECK(q.edns_do);
}

TEST_CASE("BADVERS is reported before a QDCOUNT problem, FORMERR before BADVERS for a bad OPT") {
  query q;
  std::vector<uint8_t> none = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 41, 4, 0, 0, 1, 0, 0, 0, 0};
  CHECK(parse_query(none, q) == parse_status::badvers);
  auto twice = srv_query(true, 1);
  twice[11] = 2;
  twice.insert(twice.end(), {0, 0, 41, 4, 0, 0, 1, 0, 0, 0, 0});
  CHECK(parse_query(twice, q) == parse_status::formerr);
}

TEST_CASE("a TSIG is found when it is the last additional record, FORMERR elsewhere (RFC 8945 5.1)") {
  // A TSIG-shaped record: owner "k", type 250, class ANY, TTL 0, 4 bytes of RDATA (the
  // parser only locates it; xfr/ verifies it).
  const std::vector<uint8_t> tsig = {1, 'k', 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4};
  query q;
  auto p = srv_query(true);  // OPT, then TSIG
  const size_t at = p.size();
  p[11] = 2;
  p.insert(p.end(), tsig.begin(), tsig.end());
  REQUIRE(parse_query(p, q) == parse_status::ok);
  CHECK(q.tsig_at == at);
  CHECK(q.has_edns);

  auto before_opt = srv_query(false);  // TSIG, then OPT: not last
  before_opt[11] = 2;
  before_opt.insert(before_opt.end(), tsig.begin(), tsig.end());
  before_opt.insert(before_opt.end(), {0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0});
  CHECK(parse_query(before_opt, q) == parse_status::formerr);

  auto in_answer = srv_query(false);  // in ANSWER
  in_answer[7] = 1;
  in_answer.insert(in_answer.end(), tsig.begin(), tsig.end());
  CHECK(parse_query(in_answer, q) == parse_status::formerr);

  REQUIRE(parse_query(srv_query(true), q) == parse_status::ok);
  CHECK(q.tsig_at == 0);
}
