// Loader: every bundled zone loads cleanly and derives the records the Cisco guides show.
#include <doctest/doctest.h>

#include "zone/names.hpp"
#include "zone_support.hpp"

using namespace sipdns;
using test::rrset;
using V = std::vector<std::string>;

namespace {

std::vector<zone::expanded_zone> bundled() {
  zone::load_result r = zone::load({"zones/"});
  for (const auto& d : r.diagnostics) INFO(zone::format(d));
  REQUIRE(r.diagnostics.empty());
  REQUIRE(r.zones);
  return zone::derive(*r.zones);
}

}  // namespace

TEST_CASE("the zones/ directory loads without a diagnostic") {
  zone::load_result r = zone::load({"zones/"});
  std::string all;
  for (const auto& d : r.diagnostics) all += zone::format(d) + "\n";
  CHECK(all == "");
  REQUIRE(r.zones);
  CHECK(r.zones->zones.size() == 10);
  // Files are read in name order, and remember the path as joined.
  CHECK(r.zones->zones.front().file == "zones/1.1.1.in-addr.arpa.toml");
}

TEST_CASE("uctest.local: SRV records for both peers, as the registration-failover guide option 1") {
  auto zones = bundled();
  CHECK(rrset(zones, "_sip._tcp.uctest.local.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._tcp.uctest.local.\t86400\tIN\tSRV\t10 10 5060 habibexpc1.uctest.local.",
          "_sip._tcp.uctest.local.\t86400\tIN\tSRV\t10 10 5060 habibexpc2.uctest.local."});
  CHECK(rrset(zones, "_sips._tcp.uctest.local.", LDNS_RR_TYPE_SRV).size() == 2);

  // The stored rdata is uncompressed wire: priority, weight, port, then the target name.
  const zone::record* srv = nullptr;
  for (const auto& z : zones)
    for (const auto& r : z.records)
      if (r.owner == test::wire_of("_sip._tcp.uctest.local.") && r.type == LDNS_RR_TYPE_SRV) {
        srv = &r;
        break;
      }
  REQUIRE(srv);
  CHECK(srv->rdata ==
        std::string("\x00\x0a\x00\x0a\x13\xc4", 6) + test::wire_of("habibexpc1.uctest.local."));
}

TEST_CASE("uctest.local: round-robin A with a short TTL, as the registration-failover guide option 2") {
  auto zones = bundled();
  CHECK(rrset(zones, "habibexpc-cluster.uctest.local.", LDNS_RR_TYPE_A) ==
        V{"habibexpc-cluster.uctest.local.\t30\tIN\tA\t10.48.53.127",
          "habibexpc-cluster.uctest.local.\t30\tIN\tA\t10.48.53.128"});
  CHECK(rrset(zones, "habibexpc1.uctest.local.", LDNS_RR_TYPE_A) ==
        V{"habibexpc1.uctest.local.\t3600\tIN\tA\t10.48.53.127"});
}

TEST_CASE("PTR records are derived in the loaded reverse zones") {
  auto zones = bundled();
  CHECK(rrset(zones, "127.53.48.10.in-addr.arpa.", LDNS_RR_TYPE_PTR) ==
        V{"127.53.48.10.in-addr.arpa.\t3600\tIN\tPTR\thabibexpc1.uctest.local."});
  CHECK(rrset(zones, "1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
              LDNS_RR_TYPE_PTR)
            .size() == 1);
  // The PTR lives in the reverse zone, not in the forward zone of the cluster.
  for (const auto& z : zones)
    for (const auto& r : z.records)
      if (r.type == LDNS_RR_TYPE_PTR) CHECK(wire::name_is_below_or_at(r.owner, z.origin));
}

TEST_CASE("example.com: NAPTR exactly as the Expressway guide Appendix 4") {
  auto zones = bundled();
  CHECK(rrset(zones, "example.com.", LDNS_RR_TYPE_NAPTR) ==
        V{"example.com.\t86400\tIN\tNAPTR\t10 100 \"s\" \"SIPS+D2T\" \"\" _sips._tcp.example.com.",
          "example.com.\t86400\tIN\tNAPTR\t12 100 \"s\" \"SIP+D2T\" \"\" _sip._tcp.example.com.",
          "example.com.\t86400\tIN\tNAPTR\t14 100 \"s\" \"SIP+D2U\" \"\" _sip._udp.example.com."});
}

TEST_CASE("example.com: the backup cluster joins the primary's SRV RRsets") {
  auto zones = bundled();
  CHECK(rrset(zones, "_h323cs._tcp.example.com.", LDNS_RR_TYPE_SRV) ==
        V{"_h323cs._tcp.example.com.\t86400\tIN\tSRV\t1 1 1720 expe1.example.com.",
          "_h323cs._tcp.example.com.\t86400\tIN\tSRV\t1 1 1720 expe2.example.com.",
          "_h323cs._tcp.example.com.\t86400\tIN\tSRV\t2 1 1720 expe3.example.com."});
  CHECK(rrset(zones, "_cisco-uds._tcp.example.com.", LDNS_RR_TYPE_SRV) ==
        V{"_cisco-uds._tcp.example.com.\t86400\tIN\tSRV\t10 10 8443 cucmserver1.example.com.",
          "_cisco-uds._tcp.example.com.\t86400\tIN\tSRV\t10 10 8443 cucmserver2.example.com."});
  CHECK(rrset(zones, "_collab-edge._tls.example.com.", LDNS_RR_TYPE_SRV).size() == 3);
}

TEST_CASE("sipurash.com: the phone guide's NAPTR -> SRV -> A sample") {
  auto zones = bundled();
  CHECK(rrset(zones, "as1bsoft.sipurash.com.", LDNS_RR_TYPE_NAPTR).size() == 3);
  CHECK(rrset(zones, "_sip._udp.udptest.sipurash.com.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._udp.udptest.sipurash.com.\t3600\tIN\tSRV\t1 10 5061 srv5.sipurash.com.",
          "_sip._udp.udptest.sipurash.com.\t3600\tIN\tSRV\t2 10 5060 srv6.sipurash.com."});
  CHECK(rrset(zones, "3.3.3.3.in-addr.arpa.", LDNS_RR_TYPE_PTR) ==
        V{"3.3.3.3.in-addr.arpa.\t3600\tIN\tPTR\tsrv3.sipurash.com."});
}

TEST_CASE("tests/data/good/big.test.toml: a 100-address RRset, a delegation and a CNAME") {
  zone::load_result r = zone::load({"tests/data/good/big.test.toml"});
  REQUIRE(r.diagnostics.empty());
  auto zones = zone::derive(*r.zones);
  CHECK(rrset(zones, "many.big.test.", LDNS_RR_TYPE_A).size() == 100);
  CHECK(rrset(zones, "child.big.test.", LDNS_RR_TYPE_NS) ==
        V{"child.big.test.\t3600\tIN\tNS\tns.child.big.test."});
  CHECK(rrset(zones, "alias.big.test.", LDNS_RR_TYPE_CNAME).size() == 1);
}

TEST_CASE("names are lower-cased, relative names complete, the SOA comes first") {
  test::temp_zone f("case", R"([zone]
origin = "Case.TEST."
ttl = 600
soa = { mname = "NS1", rname = "Hostmaster.Example.", serial = 7, minimum = 30 }
ns = ["ns1", "NS2.Example."]
records = ["NS1 A 127.0.0.1", "WWW CNAME NS1", "@ MX 10 NS1.case.test.", "Txt TXT \"KeepCase\"",
           "ns1 A 127.0.0.1"]
)");
  zone::load_result r = zone::load({f.path.string()});
  for (const auto& d : r.diagnostics) INFO(zone::format(d));
  REQUIRE(r.zones);
  const zone::zone& z = r.zones->zones.at(0);
  CHECK(z.origin == test::wire_of("case.test."));
  CHECK(test::text_of(z.soa) ==
        "case.test.\t600\tIN\tSOA\tns1.case.test. hostmaster.example. 7 3600 600 604800 30");
  V texts;
  for (const auto& rec : z.records) texts.push_back(test::text_of(rec));
  CHECK(texts ==
        V{"case.test.\t600\tIN\tSOA\tns1.case.test. hostmaster.example. 7 3600 600 604800 30",
          "case.test.\t600\tIN\tNS\tns1.case.test.", "case.test.\t600\tIN\tNS\tns2.example.",
          "ns1.case.test.\t600\tIN\tA\t127.0.0.1",  // the duplicate is merged
          "www.case.test.\t600\tIN\tCNAME\tns1.case.test.",
          "case.test.\t600\tIN\tMX\t10 ns1.case.test.",
          "txt.case.test.\t600\tIN\tTXT\t\"KeepCase\""});
}

TEST_CASE("an absent serial follows the file's modification time") {
  test::temp_zone f("serial", R"([zone]
origin = "serial.test"
soa = { mname = "ns1", rname = "hostmaster" }
ns = ["ns1"]
records = ["ns1 A 127.0.0.1"]
)");
  auto mtime = std::filesystem::last_write_time(f.path);
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                  .count();
  zone::load_result r = zone::load({f.path.string()});
  REQUIRE(r.zones);
  const std::string& rd = r.zones->zones[0].soa.rdata;
  size_t at = rd.size() - 20;
  uint32_t serial = uint32_t(uint8_t(rd[at])) << 24 | uint32_t(uint8_t(rd[at + 1])) << 16 |
                    uint32_t(uint8_t(rd[at + 2])) << 8 | uint8_t(rd[at + 3]);
  CHECK(serial == uint32_t(secs));
}

TEST_CASE("a missing path is an error without a line") {
  zone::load_result r = zone::load({"tests/data/no-such-dir"});
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(zone::format(r.diagnostics[0]) ==
        "tests/data/no-such-dir: error: no such file or directory");
  CHECK_FALSE(r.zones);
}

TEST_CASE("an SOA rname takes RFC 1035 escapes: a dot inside the mailbox's first label") {
  test::temp_zone f("mailbox", R"([zone]
origin = "mail.test"
soa = { mname = "ns1", rname = 'john\.doe.example.', serial = 1 }
ns = ["ns1"]
records = ["ns1 A 127.0.0.1"]
)");
  zone::load_result r = zone::load({f.path.string()});
  for (const auto& d : r.diagnostics) INFO(zone::format(d));
  REQUIRE(r.zones);
  const zone::zone& z = r.zones->zones.at(0);
  CHECK(test::text_of(z.soa).find(" john\\.doe.example. 1 ") != std::string::npos);

  using zone::detail::parse_name;
  const std::string origin = test::wire_of("ex.test.");
  CHECK(parse_name("a\\.b", origin, false).name == test::wire_of("a\\.b.ex.test."));
  CHECK(parse_name("a\\046b.", origin, false).name == test::wire_of("a\\.b."));
  CHECK(parse_name("a\\.", origin, false).name == test::wire_of("a\\..ex.test."));  // not absolute
  CHECK(parse_name("a\\", origin, false).error == "a backslash ends the name");
  CHECK(parse_name("a\\256", origin, false).error == "escape \\256 is over 255");
  CHECK(parse_name("a\\12b", origin, false).error == "escape \\12b: \\DDD takes three digits");
  CHECK(parse_name("*.x.", origin, false).name == test::wire_of("\\*.x."));  // a mailbox's '*'
  CHECK(parse_name("*.x.", origin, true).error.find("wildcard") != std::string::npos);
  CHECK(parse_name("a\\.b", origin, true).error.find("invalid character '\\'") == 0);  // hosts: none
}
