// The plain-record fast path against ldns, the reference: whatever the fast path accepts, ldns
// must accept with the same owner, type, TTL and wire rdata; whatever it declines goes to ldns.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "zone/loader.hpp"
#include "zone/rr_fast.hpp"
#include "zone/rr_parse.hpp"
#include "zone/zone_support.hpp"

using namespace sipdns;

namespace {

const std::string origin = test::wire_of("ex.test.");

// Owners, TTL/class heads and rdata, combined into many records, odd ones included.
std::vector<std::string> inputs() {
  std::vector<std::string> owners = {"@",      "h1",        "H1",        "a.b",     "WWW.Ex.Test.",
                                     "x.other.", "_sip._tcp", "a-b_c",     "*",       "*.w",
                                     "a..b",   "a\\.b",     "a\\065",    "é",       ".",
                                     "1",      "123",       std::string(63, 'a'), std::string(64, 'a'),
                                     "a/b",    "\"q\""};
  std::vector<std::string> heads = {"",      " 60",        " 0",          " 2147483647",
                                    " 2147483648", " 4294967295", " 4294967296", " 1h",
                                    " IN",   " in",        " 60 IN",      " IN 60",
                                    " CH",   " 60 CH",     " 0060",       " -1",
                                    " 99999999999"};
  std::vector<std::string> bodies = {
      "A 192.0.2.1",        "a 10.0.0.255",       "A 1.2.3",           "A 1.2.3.4.5",
      "A 256.1.1.1",        "A 01.2.3.4",         "A 1.2.3.4 extra",   "A",
      "A  192.0.2.1",       "A\t192.0.2.1",       "A 192.0.2.1 ",      "A 192.0.2.1\t",
      "AAAA 2001:db8::1",   "aaaa ::",            "AAAA ::ffff:1.2.3.4", "AAAA 2001:DB8::A",
      "AAAA 1::2::3",       "AAAA 2001:db8:0:0:0:0:0:1:2",
      "CNAME target",       "CNAME Target.Ex.Test.", "CNAME @",         "CNAME .",
      "CNAME a\\.b",        "CNAME x.other.",     "cname T",
      "NS ns1",             "NS NS1.EX.TEST.",    "PTR host.ex.test.", "PTR @",
      "MX 10 mail",         "MX 0 .",             "MX 65535 Mail.Ex.Test.", "MX 65536 mail",
      "MX -1 mail",         "MX 10",              "MX 010 mail",       "MX mail 10",
      "SRV 10 20 5060 sip", "SRV 0 0 0 .",        "SRV 1 2 3 Host.Other.", "SRV 1 2 3",
      "SRV 1 2 70000 h",    "SRV 1 2 3 h extra",  "srv 1 2 3 h",
      "TXT \"hello\"",      "TXT \"hello world\"", "TXT \"a\" \"b\"",   "TXT \"\"",
      "TXT hello",          "TXT \"a\\\"b\"",     "TXT \"unterminated", "TXT \"a\"\"b\"",
      "TXT \"x;y\"",        "TXT \"MiXeD Case\"", "TXT  \"two  spaces\" ", "TXT",
      "TXT \"" + std::string(255, 'x') + "\"",    "TXT \"" + std::string(256, 'x') + "\"",
      "TXT (\"a\")",        "A 192.0.2.1 ; note", "A (192.0.2.1)",     "MX 10 mail ; c",
      "HINFO \"a\" \"b\"",  "CAA 0 issue \"ca.test\"", "NAPTR 10 100 \"s\" \"SIP+D2T\" \"\" _sip._tcp",
      "TYPE1 \\# 4 c0000201", "SOA a b 1 2 3 4 5", "DNAME x",         "ANY",
  };
  std::vector<std::string> out;
  for (const auto& o : owners)
    for (const auto& h : heads)
      for (const auto& b : bodies) out.push_back(o + h + " " + b);
  for (const auto& b : bodies) out.push_back("h1 " + b), out.push_back("h1\t" + b);
  out.push_back("h1  60   IN  A 192.0.2.1");
  out.push_back("h1\t60\tIN\tA\t192.0.2.1");
  out.push_back("");
  out.push_back("h1");
  out.push_back("h1 60");
  out.push_back("h1 60 IN");
  std::string long_name;
  for (int i = 0; i < 40; ++i) long_name += "abcdef.";
  out.push_back(long_name + " A 192.0.2.1");  // over 255 bytes with the origin
  out.push_back("h1 CNAME " + long_name);
  return out;
}

}  // namespace

TEST_CASE("fast path: whatever it accepts, ldns accepts with the same wire data") {
  size_t fast = 0, slow = 0;
  for (const std::string& text : inputs()) {
    CAPTURE(text);
    zone::record r;
    bool took = zone::detail::parse_plain_record(text, origin, 3600, r);
    zone::detail::parsed_record ref = zone::detail::parse_record_ldns(text, origin, 3600);
    zone::detail::parsed_record got = zone::detail::parse_record(text, origin, 3600);
    // parse_record (fast path first) and the ldns path agree, errors included.
    REQUIRE(got.rec.has_value() == ref.rec.has_value());
    CHECK(got.error == ref.error);
    if (ref.rec) {
      CHECK(got.rec->owner == ref.rec->owner);
      CHECK(got.rec->type == ref.rec->type);
      CHECK(got.rec->ttl == ref.rec->ttl);
      CHECK(got.rec->rdata == ref.rec->rdata);
    }
    if (took) {
      ++fast;
      // The fast path never accepts what ldns rejects (outside-zone checks come after it).
      bool outside = !got.rec && got.error.find("outside zone") != std::string::npos;
      bool wildcard = !got.rec && got.error.find("wildcard cannot own NS") != std::string::npos;
      CHECK((ref.rec.has_value() || outside || wildcard));
    } else {
      ++slow;
    }
  }
  // The common forms must actually take the fast path.
  CHECK(fast > 1000);
  CHECK(slow > 1000);
  for (const char* plain : {"h1 A 192.0.2.1", "h1 3600 IN AAAA 2001:db8::1", "w CNAME x",
                            "@ MX 10 mail", "_sip._tcp SRV 10 20 5060 sip", "t TXT \"v=1\"",
                            "@ NS ns1.ex.test.", "p PTR h"}) {
    zone::record r;
    CHECK_MESSAGE(zone::detail::parse_plain_record(plain, origin, 3600, r), plain);
  }
}

TEST_CASE("fast path: errors keep their file:line:column") {
  test::temp_zone f("rr-fast", R"([zone]
origin = "ex.test"
soa = { mname = "ns1", rname = "hostmaster", serial = 1 }
ns = ["ns1"]
records = [
  "ns1 A 192.0.2.53",
  "h1 A 192.0.2.300",
    "h2 MX ten mail",
  "x.other. A 192.0.2.1",
]
)");
  zone::load_result r = zone::load({f.path.string()});
  REQUIRE(r.diagnostics.size() == 3);
  CHECK(zone::format(r.diagnostics[0]).ends_with(
      ":7:3: error: record \"h1 A 192.0.2.300\": " +
      zone::detail::parse_record_ldns("h1 A 192.0.2.300", origin, 3600).error));
  CHECK(zone::format(r.diagnostics[1]).find(":8:5: error: record \"h2 MX ten mail\"") !=
        std::string::npos);
  CHECK(zone::format(r.diagnostics[2]).ends_with(
      ":9:3: error: record \"x.other. A 192.0.2.1\": owner \"x.other.\" is outside zone "
      "\"ex.test.\""));
}
