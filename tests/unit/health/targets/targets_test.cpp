// health::list_checks and to_spec: the one translation from zone files to probes.
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <filesystem>
#include <fstream>

#include "health/targets.hpp"
#include "zone/loader.hpp"
#include "support/zone_load.hpp"

using namespace sipdns;
using test::load_ok;
using V = std::vector<std::string>;

namespace {

struct temp_zone {
  std::filesystem::path path;
  temp_zone(const std::string& name, const std::string& text)
      : path(std::filesystem::temp_directory_path() / ("sipdns-targets-test-" + name + ".toml")) {
    std::ofstream(path) << text;
  }
  ~temp_zone() { std::filesystem::remove(path); }
};

std::string text(const health::peer_check& c) {
  std::string s = c.key + " @";
  if (c.ipv6) {
    s += "v6";
  } else {
    for (int i = 0; i < 4; ++i) s.append(i ? "." : "").append(std::to_string(c.address[size_t(i)]));
  }
  return s;
}

}  // namespace

TEST_CASE("list_checks: a cluster without a health table is never probed") {
  zone::zone_set set = load_ok({"zones/"});
  auto checks = health::list_checks(set);
  CHECK_FALSE(checks.empty());
  for (const health::peer_check& c : checks)
    CHECK(wire::name_to_text(set.zones[c.zone].origin) == "lab.test.");
}

TEST_CASE("list_checks: the lab zone, one probe per peer and service") {
  zone::zone_set set = load_ok({"zones/lab.test.toml"});
  auto checks = health::list_checks(set);
  std::vector<std::string> got;
  for (const auto& c : checks) got.push_back(text(c));
  CHECK(got == V{"lab.test. lab1.lab.test. sip+tcp sip-options tcp 5060 @127.0.0.2",
                 "lab.test. lab1.lab.test. sip+udp sip-options udp 5060 @127.0.0.2",
                 "lab.test. lab2.lab.test. sip+tcp sip-options tcp 5060 @127.0.0.3",
                 "lab.test. lab2.lab.test. sip+udp sip-options udp 5060 @127.0.0.3",
                 "lab.test. lab3.lab.test. sip+tcp sip-options tcp 5060 @127.0.0.4",
                 "lab.test. lab3.lab.test. sip+udp sip-options udp 5060 @127.0.0.4"});
  REQUIRE(checks.size() == 6);
  const health::peer_check& c = checks[4];
  CHECK(c.zone == 0);
  CHECK(c.cluster == 1);
  CHECK(c.peer == 0);
  CHECK(c.host == "lab3.lab.test");
  CHECK(c.services == std::vector<zone::service>{zone::service::sip_tcp});
  CHECK(c.port == 5060);
  CHECK_FALSE(c.ipv6);
  CHECK(c.kind == health::probe_kind::sip_options);
  CHECK(c.transport == health::probe_transport::tcp);
  CHECK(c.config == &*set.zones[0].clusters[1].health);
}

TEST_CASE("list_checks: health.port gives one probe for every service of a peer") {
  zone::zone_set set = load_ok({"tests/data/health/health-stun.test.toml"});
  std::vector<std::string> got;
  for (const auto& c : health::list_checks(set)) {
    got.push_back(text(c));
    CHECK(c.services.size() == 2);
  }
  CHECK(got ==
        V{"health-stun.test. sp1.health-stun.test. sip+tcp+sip+udp stun udp 3478 @127.0.0.5",
          "health-stun.test. sp2.health-stun.test. sip+tcp+sip+udp stun udp 3478 @127.0.0.6"});
}

TEST_CASE("list_checks: transports resolved from the kind or the service, ports per peer") {
  temp_zone f("transports", R"([zone]
origin = "t.test"
soa = { mname = "ns1", rname = "hostmaster", serial = 1 }
ns = ["ns1"]
records = ["ns1 A 127.0.0.1"]

# kind tcp: tcp even for UDP-only H.323 services; a peer's own port is used.
[[cluster]]
services = ["h323ls", "h323cs"]
peers = [{ host = "a", ipv4 = "127.0.0.11", ipv6 = "::11", ports = { h323ls = 1819 } }]
health = { probe = "tcp" }

# kind tls: tls for every service.
[[cluster]]
srv_owner = "tls"
services = ["sip+udp"]
peers = [{ host = "b", ipv6 = "2001:db8::1" }]
health = { probe = "tls" }

# sip-options from the service; two services on one port and transport share a probe.
[[cluster]]
srv_owner = "so"
services = ["sip+udp", "h323rs", "sips+tcp", "collab-edge", "cisco-uds", "h323cs"]
peers = [{ host = "c", ipv4 = "127.0.0.13" }]
health = { probe = "sip-options" }

# An explicit transport overrides the services'; ports still differ per service.
[[cluster]]
srv_owner = "st"
services = ["sip+tcp", "sips+tcp"]
peers = [{ host = "d", ipv4 = "127.0.0.14" }]
health = { probe = "stun", transport = "udp" }
)");
  zone::zone_set set = load_ok({f.path.string()});
  auto checks = health::list_checks(set);
  std::vector<std::string> got;
  for (const auto& c : checks) got.push_back(text(c));
  CHECK(got == V{"t.test. a.t.test. h323ls tcp tcp 1819 @127.0.0.11",
                 "t.test. a.t.test. h323cs tcp tcp 1720 @127.0.0.11",
                 "t.test. b.t.test. sip+udp tls tls 5060 @v6",
                 "t.test. c.t.test. sip+udp sip-options udp 5060 @127.0.0.13",
                 "t.test. c.t.test. h323rs sip-options udp 1719 @127.0.0.13",
                 "t.test. c.t.test. sips+tcp sip-options tls 5061 @127.0.0.13",
                 "t.test. c.t.test. collab-edge+cisco-uds sip-options tls 8443 @127.0.0.13",
                 "t.test. c.t.test. h323cs sip-options tcp 1720 @127.0.0.13",
                 "t.test. d.t.test. sip+tcp stun udp 5060 @127.0.0.14",
                 "t.test. d.t.test. sips+tcp stun udp 5061 @127.0.0.14"});
  REQUIRE(checks.size() == 10);
  CHECK(checks[2].ipv6);
  CHECK(checks[2].address[0] == 0x20);
  CHECK(checks[2].address[15] == 0x01);
  CHECK(checks[2].host == "b.t.test");
}

TEST_CASE("list_checks keys are stable across reloads of the same files") {
  auto keys = [] {
    std::vector<std::string> out;
    for (const auto& c : health::list_checks(load_ok({"tests/data/health/"}))) out.push_back(c.key);
    return out;
  };
  auto first = keys();
  CHECK(first.size() > 10);
  CHECK(first == keys());
}

TEST_CASE("to_spec: the monitor's target, labels and timing from one check") {
  zone::zone_set set = load_ok({"zones/lab.test.toml"});
  auto checks = health::list_checks(set);
  REQUIRE(checks.size() == 6);
  const health::peer_check& c = checks[1];
  health::check_spec s = health::to_spec(c);
  CHECK(s.key == c.key);
  CHECK(s.label == "lab1.lab.test sip+udp");
  CHECK(s.probe_text == "sip-options/udp 5060");
  CHECK(s.target.kind == health::probe_kind::sip_options);
  CHECK(s.target.transport == health::probe_transport::udp);
  CHECK(s.target.host == "lab1.lab.test");
  CHECK(s.target.timeout_ms == c.config->timeout_ms);
  CHECK(s.time.interval_ms == c.config->interval_ms);
  const auto* a = reinterpret_cast<const sockaddr_in*>(&s.target.address);
  CHECK(a->sin_family == AF_INET);
  CHECK(ntohs(a->sin_port) == 5060);
  CHECK(ntohl(a->sin_addr.s_addr) == 0x7f000002u);
}
