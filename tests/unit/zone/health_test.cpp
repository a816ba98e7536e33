// Health in the zone module: [cluster.health] parsing, derive's all-down policy and TTL rule.
// The probes a zone set asks for (health::list_checks) are tested in tests/unit/health/targets.
#include <doctest/doctest.h>

#include "zone_support.hpp"
#include "support/zone_load.hpp"

using namespace sipdns;
using test::rrset;
using test::load_ok;
using V = std::vector<std::string>;

namespace {

const zone::zone& find(const zone::zone_set& set, const std::string& origin) {
  for (const auto& z : set.zones)
    if (z.origin == test::wire_of(origin)) return z;
  FAIL("no zone " << origin);
  throw;
}

// A filter that takes out the peers named (host names, absolute) for every service.
zone::peer_filter down(const zone::zone_set& set, std::vector<std::string> hosts) {
  return [&set, hosts](const zone::peer_ref& r, std::optional<zone::service>) {
    const zone::peer& p = set.zones[r.zone].clusters[r.cluster].peers[r.peer];
    return std::find(hosts.begin(), hosts.end(), wire::name_to_text(p.host)) == hosts.end();
  };
}

}  // namespace

TEST_CASE("[cluster.health]: defaults, every key, table and inline forms") {
  zone::zone_set set = load_ok({"zones/lab.test.toml"});
  const zone::zone& lab = find(set, "lab.test.");
  REQUIRE(lab.clusters.size() == 2);
  REQUIRE(lab.clusters[0].health);
  const zone::health_config& d = *lab.clusters[0].health;
  CHECK(d.kind == zone::probe_kind::sip_options);
  CHECK_FALSE(d.transport);
  CHECK_FALSE(d.port);
  CHECK(d.interval_ms == 1000);
  CHECK(d.timeout_ms == 400);
  CHECK(d.fall == 2);
  CHECK(d.rise == 2);
  CHECK(d.all_down == zone::all_down_policy::serve_all);
  CHECK(d.up_codes == std::vector<std::pair<uint16_t, uint16_t>>{{200, 699}});
  CHECK_FALSE(d.tls_verify);
  CHECK(d.tls_ca_file.empty());
  CHECK(d.tls_name.empty());

  std::string dir = std::filesystem::temp_directory_path().string();
  test::temp_zone ca("ca", "not parsed by the zone module");
  test::temp_zone f("health-keys", R"([zone]
origin = "keys.test"
soa = { mname = "ns1", rname = "hostmaster", serial = 1 }
ns = ["ns1"]
records = ["ns1 A 127.0.0.1"]

[[cluster]]
name = "c"
services = ["sips+tcp", "sip+tcp"]
peers = [{ host = "p1", ipv4 = "127.0.0.11" }]

[cluster.health]
probe = "sip-options"
transport = "tls"
port = 5071
interval_ms = 2000
timeout_ms = 1999
fall = 1
rise = 10
all_down = "serve-none"
up_codes = ["200-299", "404"]
tls_verify = true
tls_ca_file = "sipdns-zone-test-ca.toml"
tls_name = "Peer.Example."

[[cluster]]
name = "d"
services = ["sip+udp"]
peers = [{ host = "p2", ipv6 = "::1" }]
health = { probe = "stun", transport = "tcp" }
)");
  set = load_ok({f.path.string()});
  const zone::zone& z = set.zones[0];
  REQUIRE(z.clusters[0].health);
  const zone::health_config& h = *z.clusters[0].health;
  CHECK(h.kind == zone::probe_kind::sip_options);
  CHECK(h.transport == zone::probe_transport::tls);
  CHECK(h.port == 5071);
  CHECK(h.interval_ms == 2000);
  CHECK(h.timeout_ms == 1999);
  CHECK(h.fall == 1);
  CHECK(h.rise == 10);
  CHECK(h.all_down == zone::all_down_policy::serve_none);
  CHECK(h.up_codes == std::vector<std::pair<uint16_t, uint16_t>>{{200, 299}, {404, 404}});
  CHECK(h.tls_verify);
  // Relative to the zone file's directory, so the prober can open it from anywhere.
  CHECK(h.tls_ca_file == (std::filesystem::path(dir) / "sipdns-zone-test-ca.toml").string());
  CHECK(h.tls_name == "peer.example");
  CHECK(h.where.line == 12);
  REQUIRE(z.clusters[1].health);
  CHECK(z.clusters[1].health->kind == zone::probe_kind::stun);
  CHECK(z.clusters[1].health->transport == zone::probe_transport::tcp);
  CHECK_FALSE(z.clusters[1].health->port);
}

TEST_CASE("a cluster without a health table is never probed") {
  zone::zone_set set = load_ok({"zones/"});
  CHECK_FALSE(find(set, "uctest.local.").clusters[0].health);
}

TEST_CASE("derive with health: one primary peer down leaves the other and the backup") {
  zone::zone_set set = load_ok({"tests/data/health/health.test.toml"});
  auto zones = zone::derive(set, down(set, {"hp1.health.test."}));
  CHECK(rrset(zones, "_sip._tcp.health.test.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._tcp.health.test.\t1\tIN\tSRV\t10 10 5060 hp2.health.test.",
          "_sip._tcp.health.test.\t1\tIN\tSRV\t20 10 5060 hp3.health.test."});
  CHECK(rrset(zones, "sip.health.test.", LDNS_RR_TYPE_A) ==
        V{"sip.health.test.\t1\tIN\tA\t127.0.0.3"});
  // The peer's own name still resolves.
  CHECK(rrset(zones, "hp1.health.test.", LDNS_RR_TYPE_A).size() == 1);
}

TEST_CASE("derive with health: both primary peers down leaves the backup tier alone") {
  zone::zone_set set = load_ok({"tests/data/health/health.test.toml"});
  auto zones = zone::derive(set, down(set, {"hp1.health.test.", "hp2.health.test."}));
  // Nothing is added back while the merged RRset still has a record.
  CHECK(rrset(zones, "_sip._tcp.health.test.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._tcp.health.test.\t1\tIN\tSRV\t20 10 5060 hp3.health.test."});
  CHECK(rrset(zones, "_sip._udp.health.test.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._udp.health.test.\t1\tIN\tSRV\t20 10 5060 hp3.health.test."});
  // The primary's round-robin name is its own RRset, and it is empty: serve-all fails open.
  CHECK(rrset(zones, "sip.health.test.", LDNS_RR_TYPE_A).size() == 2);
  CHECK(rrset(zones, "sip-backup.health.test.", LDNS_RR_TYPE_A).size() == 1);
}

TEST_CASE("derive with health: everyone down, serve-all serves everyone") {
  zone::zone_set set = load_ok({"tests/data/health/health.test.toml"});
  auto all_down = [](const zone::peer_ref&, std::optional<zone::service>) { return false; };
  auto zones = zone::derive(set, all_down);
  CHECK(rrset(zones, "_sip._tcp.health.test.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._tcp.health.test.\t1\tIN\tSRV\t10 10 5060 hp1.health.test.",
          "_sip._tcp.health.test.\t1\tIN\tSRV\t10 10 5060 hp2.health.test.",
          "_sip._tcp.health.test.\t1\tIN\tSRV\t20 10 5060 hp3.health.test."});
  CHECK(rrset(zones, "sip.health.test.", LDNS_RR_TYPE_A).size() == 2);
  auto unfiltered = zone::derive(set);
  REQUIRE(zones.size() == unfiltered.size());
  for (size_t i = 0; i < zones.size(); ++i) {
    REQUIRE(zones[i].records.size() == unfiltered[i].records.size());
    for (size_t j = 0; j < zones[i].records.size(); ++j)
      CHECK(test::text_of(zones[i].records[j]) == test::text_of(unfiltered[i].records[j]));
  }
}

TEST_CASE("derive with health: failing open never brings back a drained peer") {
  zone::zone_set set = load_ok({"tests/data/health/health.test.toml"});
  auto all_down = [](const zone::peer_ref&, std::optional<zone::service>) { return false; };
  auto keep_hp1 = down(set, {"hp1.health.test."});
  auto drained = [&](const zone::peer_ref& r, std::optional<zone::service> s) {
    return !keep_hp1(r, s);
  };
  auto zones = zone::derive(set, all_down, drained);
  // hp1 is drained: not in the fail-open set, though every other peer is down too.
  CHECK(rrset(zones, "_sip._tcp.health.test.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._tcp.health.test.\t1\tIN\tSRV\t10 10 5060 hp2.health.test.",
          "_sip._tcp.health.test.\t1\tIN\tSRV\t20 10 5060 hp3.health.test."});
  CHECK(rrset(zones, "sip.health.test.", LDNS_RR_TYPE_A).size() == 1);
  CHECK(rrset(zones, "hp1.health.test.", LDNS_RR_TYPE_A).size() == 1);  // still resolvable
}

TEST_CASE("derive with health: everyone down, serve-none leaves NODATA") {
  zone::zone_set set = load_ok({"tests/data/health/health-none.test.toml"});
  auto zones =
      zone::derive(set, [](const zone::peer_ref&, std::optional<zone::service>) { return false; });
  CHECK(rrset(zones, "_sip._tcp.health-none.test.", LDNS_RR_TYPE_SRV).empty());
  CHECK(rrset(zones, "_sip._udp.health-none.test.", LDNS_RR_TYPE_SRV).empty());
  CHECK(rrset(zones, "sip.health-none.test.", LDNS_RR_TYPE_A).empty());
  CHECK(rrset(zones, "sip-backup.health-none.test.", LDNS_RR_TYPE_A).empty());
  // Peers' own names, NAPTR and the apex are untouched.
  CHECK(rrset(zones, "hp1.health-none.test.", LDNS_RR_TYPE_A).size() == 1);
  CHECK(rrset(zones, "health-none.test.", LDNS_RR_TYPE_NAPTR).size() == 2);
  CHECK(rrset(zones, "health-none.test.", LDNS_RR_TYPE_SOA).size() == 1);
  // The emptied names still exist (NODATA, not NXDOMAIN).
  std::vector<std::string> empty;
  for (const auto& z : zones)
    for (const auto& n : z.empty_names) empty.push_back(wire::name_to_text(n));
  std::sort(empty.begin(), empty.end());
  CHECK(empty == V{"_sip._tcp.health-none.test.", "_sip._udp.health-none.test.",
                   "sip-backup.health-none.test.", "sip.health-none.test."});
}

TEST_CASE("derive with health: one fail-open cluster in a merged RRset serves it whole") {
  // The primary says serve-none, the backup has no health table: a cluster without health
  // counts as serve-all, and the filter (a drain) applies to it too.
  test::temp_zone f("mixed", R"([zone]
origin = "mixed.test"
soa = { mname = "ns1", rname = "hostmaster", serial = 1 }
ns = ["ns1"]
records = ["ns1 A 127.0.0.1"]

[[cluster]]
services = ["sip+tcp"]
peers = [{ host = "p1", ipv4 = "127.0.0.11" }]
health = { probe = "tcp", all_down = "serve-none" }

[[cluster]]
services = ["sip+tcp"]
priority = 20
peers = [{ host = "p2", ipv4 = "127.0.0.12" }]
)");
  zone::zone_set set = load_ok({f.path.string()});
  std::vector<zone::peer_ref> asked;
  auto zones = zone::derive(set, [&](const zone::peer_ref& r, std::optional<zone::service>) {
    asked.push_back(r);
    return false;
  });
  CHECK(rrset(zones, "_sip._tcp.mixed.test.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._tcp.mixed.test.\t3\tIN\tSRV\t10 10 5060 p1.mixed.test.",
          "_sip._tcp.mixed.test.\t3\tIN\tSRV\t20 10 5060 p2.mixed.test."});
  CHECK(std::any_of(asked.begin(), asked.end(), [](auto& r) { return r.cluster == 1; }));

  // Only the unchecked cluster drained: the checked primary keeps the RRset alive.
  zones = zone::derive(
      set, [](const zone::peer_ref& r, std::optional<zone::service>) { return r.cluster != 1; });
  CHECK(rrset(zones, "_sip._tcp.mixed.test.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._tcp.mixed.test.\t3\tIN\tSRV\t10 10 5060 p1.mixed.test."});
}

TEST_CASE("derive with health: SRV and round-robin take the cluster's ttl, NAPTR and hosts keep theirs") {
  test::temp_zone f("health-ttl", R"([zone]
origin = "ttl.test"
ttl = 600
soa = { mname = "ns1", rname = "hostmaster", serial = 1 }
ns = ["ns1"]
records = ["ns1 A 127.0.0.1"]

[[cluster]]
name = "c"
services = ["sip+tcp"]
naptr = true
ttl = 2
host_ttl = 900
peers = [{ host = "p1", ipv4 = "127.0.0.11" }]
health = { probe = "tcp" }

[[cluster]]
services = ["sips+tcp"]
naptr = true
peers = [{ host = "p2", ipv4 = "127.0.0.12" }]
)");
  auto zones = zone::derive(load_ok({f.path.string()}));
  CHECK(rrset(zones, "_sip._tcp.ttl.test.", LDNS_RR_TYPE_SRV) ==
        V{"_sip._tcp.ttl.test.\t2\tIN\tSRV\t10 10 5060 p1.ttl.test."});
  CHECK(rrset(zones, "_sips._tcp.ttl.test.", LDNS_RR_TYPE_SRV) ==
        V{"_sips._tcp.ttl.test.\t86400\tIN\tSRV\t10 10 5061 p2.ttl.test."});
  CHECK(rrset(zones, "c.ttl.test.", LDNS_RR_TYPE_A) == V{"c.ttl.test.\t2\tIN\tA\t127.0.0.11"});
  CHECK(rrset(zones, "p1.ttl.test.", LDNS_RR_TYPE_A) == V{"p1.ttl.test.\t900\tIN\tA\t127.0.0.11"});
  for (const std::string& n : rrset(zones, "ttl.test.", LDNS_RR_TYPE_NAPTR))
    CHECK(n.find("\t86400\t") != std::string::npos);
}

namespace {
// A health-checked cluster "c" with `extra` lines, loaded; its diagnostics as text.
struct ttl_case {
  zone::load_result r;
  std::string text;
  explicit ttl_case(const std::string& extra, const std::string& health =
                                                  "health = { probe = \"tcp\", interval_ms = 500, "
                                                  "fall = 3, timeout_ms = 300 }") {
    test::temp_zone f("health-ttl-policy", "[zone]\norigin = \"ttlp.test\"\n"
                                           "soa = { mname = \"ns1\", rname = \"hostmaster\", serial = 1 }\n"
                                           "ns = [\"ns1\"]\nrecords = [\"ns1 A 127.0.0.1\"]\n\n"
                                           "[[cluster]]\nname = \"c\"\nservices = [\"sip+tcp\"]\n" +
                                               extra +
                                               "\npeers = [{ host = \"p1\", ipv4 = \"127.0.0.11\" }]\n" +
                                               health + "\n");
    r = zone::load({f.path.string()});
    for (const auto& d : r.diagnostics) text += zone::format(d) + "\n";
  }
  std::vector<std::string> srv() const {
    return rrset(r.expanded, "_sip._tcp.ttlp.test.", LDNS_RR_TYPE_SRV);
  }
};
}  // namespace

TEST_CASE("ttl policy: adaptive serves what failure detection takes, a longer fixed TTL is warned about") {
  // interval 500 ms x fall 3 + timeout 300 ms = 1.8 s -> 2 s.
  ttl_case adaptive("");
  CHECK(adaptive.text.empty());
  CHECK(adaptive.srv() == V{"_sip._tcp.ttlp.test.\t2\tIN\tSRV\t10 10 5060 p1.ttlp.test."});
  CHECK(rrset(adaptive.r.expanded, "c.ttlp.test.", LDNS_RR_TYPE_A) ==
        V{"c.ttlp.test.\t2\tIN\tA\t127.0.0.11"});
  CHECK(ttl_case("ttl = \"adaptive\"").srv() == adaptive.srv());
  // Defaults (1000 ms x 2 + 400 ms): 3 s.
  CHECK(ttl_case("", "health = { probe = \"tcp\" }").srv() ==
        V{"_sip._tcp.ttlp.test.\t3\tIN\tSRV\t10 10 5060 p1.ttlp.test."});

  ttl_case fixed("ttl = 30");
  CHECK(fixed.srv() == V{"_sip._tcp.ttlp.test.\t30\tIN\tSRV\t10 10 5060 p1.ttlp.test."});
  CHECK(fixed.text.find(":10:7: warning: a fixed TTL of 30 s is longer than failure detection takes "
                        "(2 s: interval 500 ms x fall 3 + timeout 300 ms)") != std::string::npos);
  CHECK(ttl_case("ttl = 2").text.empty());  // not longer than detection: no warning

  // round_robin_ttl written on a health-checked cluster is a fixed TTL, as it was before `ttl`.
  ttl_case legacy("round_robin_ttl = 20");
  CHECK(legacy.srv() == V{"_sip._tcp.ttlp.test.\t20\tIN\tSRV\t10 10 5060 p1.ttlp.test."});
  CHECK(legacy.text.find("warning: a fixed TTL of 20 s") != std::string::npos);
}

TEST_CASE("ttl policy: errors and a ttl without health") {
  CHECK(ttl_case("ttl = 30\nround_robin_ttl = 20").text.find(
            "error: set either ttl or round_robin_ttl for a health-checked cluster, not both") !=
        std::string::npos);
  CHECK(ttl_case("ttl = \"fast\"").text.find(
            "ttl must be \"adaptive\" or a number of seconds, not a string") != std::string::npos);
  CHECK(ttl_case("ttl = -1").text.find("ttl -1 out of range 0..2147483647") != std::string::npos);
  ttl_case no_health("ttl = 5", "");
  CHECK(no_health.text.find("warning: ttl applies to the SRV and round-robin records of a "
                            "health-checked cluster; this cluster has no health table") !=
        std::string::npos);
}
