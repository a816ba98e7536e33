// derive: peer filters, RRset TTL equalisation, explicit PTR precedence.
#include <doctest/doctest.h>

#include "zone_support.hpp"

using namespace sipdns;
using test::rrset;
using V = std::vector<std::string>;

namespace {

zone::zone_set load_ok(const std::vector<std::string>& paths) {
  zone::load_result r = zone::load(paths);
  for (const auto& d : r.diagnostics) INFO(zone::format(d));
  REQUIRE(r.zones);
  return std::move(*r.zones);
}

}  // namespace

TEST_CASE("a peer filter removes a peer from SRV and round-robin, not from its own name") {
  zone::zone_set set = load_ok({"zones/uctest.local.toml", "zones/53.48.10.in-addr.arpa.toml"});
  std::vector<std::pair<size_t, std::optional<zone::service>>> asked;
  auto zones = zone::derive(set, [&](const zone::peer_ref& p, std::optional<zone::service> s) {
    asked.push_back({p.peer, s});
    return p.peer != 1;  // habibexpc2 is down
  });
  CHECK(rrset(zones, "_sip._tcp.uctest.local.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._tcp.uctest.local.\t86400\tIN\tSRV\t10 10 5060 habibexpc1.uctest.local."});
  CHECK(rrset(zones, "_sips._tcp.uctest.local.", LDNS_RR_TYPE_SRV).size() == 1);
  CHECK(rrset(zones, "habibexpc-cluster.uctest.local.", LDNS_RR_TYPE_A) ==
        V{"habibexpc-cluster.uctest.local.\t30\tIN\tA\t10.48.53.127"});
  // A filtered peer stays resolvable by name and address.
  CHECK(rrset(zones, "habibexpc2.uctest.local.", LDNS_RR_TYPE_A).size() == 1);
  CHECK(rrset(zones, "128.53.48.10.in-addr.arpa.", LDNS_RR_TYPE_PTR).size() == 1);
  // Round-robin asks without a service, SRV with each service.
  CHECK(std::count(asked.begin(), asked.end(),
                   std::pair<size_t, std::optional<zone::service>>{1, std::nullopt}) == 1);
  CHECK(std::count(asked.begin(), asked.end(),
                   std::pair<size_t, std::optional<zone::service>>{1, zone::service::sips_tcp}) ==
        1);
}

TEST_CASE("a filter per service removes a peer from one SRV RRset only") {
  zone::zone_set set = load_ok({"zones/uctest.local.toml"});
  auto zones = zone::derive(set, [](const zone::peer_ref& p, std::optional<zone::service> s) {
    return !(p.peer == 0 && s == zone::service::sips_tcp);
  });
  CHECK(rrset(zones, "_sips._tcp.uctest.local.", LDNS_RR_TYPE_SRV) ==
        V{"_sips._tcp.uctest.local.\t86400\tIN\tSRV\t10 10 5061 habibexpc2.uctest.local."});
  CHECK(rrset(zones, "_sip._tcp.uctest.local.", LDNS_RR_TYPE_SRV).size() == 2);
  CHECK(rrset(zones, "habibexpc-cluster.uctest.local.", LDNS_RR_TYPE_A).size() == 2);
}

TEST_CASE("RRset TTLs are equalised to the minimum, duplicates merged, explicit PTR kept") {
  test::temp_zone f("ttl", R"([zone]
origin = "ttl.test"
ttl = 600
soa = { mname = "ns1", rname = "hostmaster", serial = 1 }
ns = ["ns1"]
records = ["ns1 A 127.0.0.1", "x 300 A 127.0.0.2", "x 60 A 127.0.0.3",
           "p1 A 127.0.0.11", "other A 127.0.0.11"]

[[cluster]]
name = "c"
services = ["sip+udp"]
srv_ttl = 120
host_ttl = 900
peers = [{ host = "p1", ipv4 = "127.0.0.11", ports = { "sip+udp" = 5070 } },
         { host = "p2", ipv4 = "127.0.0.12" }]
)");
  test::temp_zone rev("ttl-rev", R"([zone]
origin = "0.0.127.in-addr.arpa"
soa = { mname = "ns1.ttl.test.", rname = "hostmaster.ttl.test.", serial = 1 }
ns = ["ns1.ttl.test."]
records = ["11 PTR other.ttl.test."]
)");
  auto zones = zone::derive(load_ok({f.path.string(), rev.path.string()}));
  CHECK(rrset(zones, "x.ttl.test.", LDNS_RR_TYPE_A) ==
        V{"x.ttl.test.\t60\tIN\tA\t127.0.0.2", "x.ttl.test.\t60\tIN\tA\t127.0.0.3"});
  // p1's explicit A (TTL 600) and derived A (host_ttl 900) are one record with the minimum.
  CHECK(rrset(zones, "p1.ttl.test.", LDNS_RR_TYPE_A) == V{"p1.ttl.test.\t600\tIN\tA\t127.0.0.11"});
  CHECK(rrset(zones, "p2.ttl.test.", LDNS_RR_TYPE_A) == V{"p2.ttl.test.\t900\tIN\tA\t127.0.0.12"});
  CHECK(rrset(zones, "_sip._udp.ttl.test.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._udp.ttl.test.\t120\tIN\tSRV\t10 10 5070 p1.ttl.test.",
          "_sip._udp.ttl.test.\t120\tIN\tSRV\t10 10 5060 p2.ttl.test."});
  // An explicit PTR wins over the derived one; p2 gets a derived PTR.
  CHECK(rrset(zones, "11.0.0.127.in-addr.arpa.", LDNS_RR_TYPE_PTR) ==
        V{"11.0.0.127.in-addr.arpa.\t3600\tIN\tPTR\tother.ttl.test."});
  CHECK(rrset(zones, "12.0.0.127.in-addr.arpa.", LDNS_RR_TYPE_PTR) ==
        V{"12.0.0.127.in-addr.arpa.\t900\tIN\tPTR\tp2.ttl.test."});
}

// The server's loads lend the explicit records to the expansion instead of copying them: the
// expansion must equal a copying load's, and give_back must leave the set as it was read,
// whatever the expansion changed (RRset TTLs lowered by derived records, the SOA serial).
TEST_CASE("a lending load expands like a copying one, and give_back restores the set") {
  test::temp_zone f("lend", R"([zone]
origin = "lend.test"
ttl = 600
soa = { mname = "ns1", rname = "hostmaster", serial = 7 }
ns = ["ns1"]
records = ["ns1 A 127.0.0.1", "c 900 A 127.0.0.9", "x 300 A 127.0.0.2", "x 60 A 127.0.0.3"]

[[cluster]]
name = "c"
services = ["sip+udp"]
round_robin_ttl = 30
peers = [{ host = "p1", ipv4 = "127.0.0.11" }, { host = "p2", ipv4 = "127.0.0.12" }]
)");
  zone::load_result copied = zone::load({f.path.string()});
  zone::load_result lent = zone::load({f.path.string()}, true);
  REQUIRE(copied.zones);
  REQUIRE(lent.zones);
  auto texts = [](const std::vector<zone::record>& recs, size_t from = 0) {
    std::vector<std::string> out;
    for (size_t i = from; i < recs.size(); ++i) out.push_back(test::text_of(recs[i]));
    return out;
  };
  REQUIRE(lent.expanded.size() == 1);
  zone::expanded_zone& e = lent.expanded[0];
  CHECK(lent.zones->zones[0].records.empty());  // lent, not copied
  CHECK(e.lent == copied.zones->zones[0].records.size());
  CHECK(texts(e.records) == texts(copied.expanded[0].records));
  // "c 900 A" joins the round-robin RRset at 30 s, "x 300 A" its RRset at 60 s: two lent
  // records with a lowered TTL, each with the TTL the set has.
  REQUIRE(e.lent_ttls.size() == 2);
  CHECK(test::text_of(e.records[e.lent_ttls[0].first]) == "c.lend.test.\t30\tIN\tA\t127.0.0.9");
  CHECK(e.lent_ttls[0].second == 900);
  CHECK(test::text_of(e.records[e.lent_ttls[1].first]) == "x.lend.test.\t60\tIN\tA\t127.0.0.2");
  CHECK(e.lent_ttls[1].second == 300);
  // What a server build does to the SOA before compiling: a new serial.
  e.records[0].rdata[e.records[0].rdata.size() - 20] ^= 0x55;
  const size_t derived = e.records.size() - e.lent;
  zone::give_back(*lent.zones, lent.expanded);
  CHECK(texts(lent.zones->zones[0].records) == texts(copied.zones->zones[0].records));
  CHECK(e.returned == copied.zones->zones[0].records.size());
  CHECK(e.records.size() == derived);  // only the derived records stay
  CHECK(texts(e.records) == texts(copied.expanded[0].records, e.returned));
  REQUIRE(e.served_ttls.size() == 2);
  CHECK(e.served_ttls[0].second == 30);
  CHECK(e.served_ttls[1].second == 60);
}
