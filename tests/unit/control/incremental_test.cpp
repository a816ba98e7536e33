// control::incremental against the whole build: after any sequence of health changes and
// drains, every answer of the overlay version equals, byte for byte, the answer of a version
// derived and compiled from scratch with the same health view and drains.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "answer/answer.hpp"
#include "compile/build.hpp"
#include "control/incremental.hpp"
#include "control/serving.hpp"
#include "support/ldns_support.hpp"
#include "zone/zone_support.hpp"
#include "zone/loader.hpp"

using namespace sipdns;
namespace fs = std::filesystem;

namespace {

// Tiers sharing an SRV owner, NAPTR, a serve-none cluster, a peer in two clusters, and
// explicit names that read the clusters: a CNAME chain to a round-robin name, an SRV whose
// target is one, a NAPTR to a cluster's SRV owner, an MX; plus names that do not.
const char* zone_text = R"(
[zone]
origin = "inc.test"
ttl = 3600
soa = { mname = "ns1", rname = "hostmaster", serial = 7 }
ns = ["ns1"]
records = [
  "ns1 A 127.0.0.1",
  "alias CNAME exp",
  "alias2 CNAME alias",
  "_sips._tcp.other SRV 0 0 5061 exp",
  "other NAPTR 10 100 \"s\" \"SIP+D2T\" \"\" _sip._tcp.inc.test.",
  "mail MX 10 exp",
  "www A 192.0.2.80",
  "*.wild A 192.0.2.81",
  "sub NS ns.sub",
  "ns.sub A 192.0.2.53",
]

[[cluster]]
name = "exp"
services = ["sip+tcp", "sip+udp", "sips+tcp"]
naptr = true
priority = 10
peers = [
  { host = "e1", ipv4 = "192.0.2.1", ipv6 = "2001:db8::1" },
  { host = "e2", ipv4 = "192.0.2.2", ipv6 = "2001:db8::2" },
  { host = "e3", ipv4 = "192.0.2.3" },
]
[cluster.health]
probe = "sip-options"

[[cluster]]
name = "backup"
services = ["sip+tcp"]
priority = 20
peers = [ { host = "b1", ipv4 = "192.0.2.4" }, { host = "e3", ipv4 = "192.0.2.3" } ]
[cluster.health]
probe = "tcp"

[[cluster]]
name = "edge"
srv_owner = "edge.inc.test"
services = ["sips+tcp", "h323cs"]
peers = [ { host = "x1", ipv4 = "192.0.2.5" }, { host = "x2", ipv4 = "192.0.2.6" } ]
[cluster.health]
probe = "tcp"
all_down = "serve-none"

[[cluster]]
name = "plain"
services = ["sip+udp"]
srv_owner = "plain.inc.test"
peers = [ { host = "p1", ipv4 = "192.0.2.7" }, { host = "p2", ipv4 = "192.0.2.8" } ]
)";

struct loaded {
  fs::path dir;
  std::shared_ptr<const zone::zone_set> set;
  std::vector<zone::expanded_zone> expanded;
  loaded() {
    std::string t = (fs::temp_directory_path() / "sipdns-inc-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    dir = t;
    std::ofstream(dir / "inc.test.toml") << zone_text;
    zone::load_result r = zone::load({(dir / "inc.test.toml").string()});
    std::string diags;
    for (const auto& d : r.diagnostics) diags += zone::format(d) + "\n";
    REQUIRE_MESSAGE(r.zones, diags);
    REQUIRE_MESSAGE(!zone::has_errors(r.diagnostics), diags);
    set = std::make_shared<const zone::zone_set>(std::move(*r.zones));
    expanded = std::move(r.expanded);
  }
  ~loaded() { fs::remove_all(dir); }
};

// Every answer the zone can give for the names and types endpoints and resolvers ask.
std::vector<std::string> answers(const compile::snapshot& s) {
  const char* names[] = {"inc.test.", "exp.inc.test.", "backup.inc.test.", "alias.inc.test.",
                         "alias2.inc.test.", "_sip._tcp.inc.test.", "_sip._udp.inc.test.",
                         "_sips._tcp.inc.test.", "_sips._tcp.other.inc.test.", "other.inc.test.",
                         "mail.inc.test.", "e1.inc.test.", "e3.inc.test.", "b1.inc.test.",
                         "_sips._tcp.edge.inc.test.", "_h323cs._tcp.edge.inc.test.",
                         "edge.inc.test.", "_sip._udp.plain.inc.test.", "plain.inc.test.",
                         "www.inc.test.", "a.wild.inc.test.", "x.sub.inc.test.",
                         "nothing.inc.test.", "x.exp.inc.test."};
  const ldns_rr_type types[] = {LDNS_RR_TYPE_A,     LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_SRV,
                                LDNS_RR_TYPE_NAPTR, LDNS_RR_TYPE_MX,   LDNS_RR_TYPE_SOA,
                                LDNS_RR_TYPE_NS,    LDNS_RR_TYPE_TXT,  LDNS_RR_TYPE_ANY};
  std::vector<std::string> out;
  answer::loop_state state;
  std::array<uint8_t, 65535> buf{};
  for (const char* n : names)
    for (ldns_rr_type t : types) {
      state.rotation = 0;
      auto q = test::make_query(n, t);
      size_t len = answer::respond(s, q, buf, answer::transport::tcp, state);
      out.push_back(std::string(n) + " " + std::to_string(t) + ": " +
                    std::string(reinterpret_cast<const char*>(buf.data()), len));
    }
  return out;
}

struct world {
  const loaded& l;
  control::serving sv;
  control::health_view view;
  std::set<std::string> drained;
  explicit world(const loaded& l) : l(l), sv(*l.set), view(sv.checks().size()) {}

  std::shared_ptr<compile::snapshot> whole(const std::vector<uint32_t>& serials) const {
    auto s = compile::build(zone::derive(*l.set, sv.usable(view), sv.withheld(drained)));
    s->serials = serials;
    return s;
  }
};

}  // namespace

TEST_CASE("overlay versions answer exactly as whole builds, change after change") {
  loaded l;
  world w(l);
  REQUIRE(w.sv.checks().size() > 6);
  control::incremental inc;
  auto base = w.whole({7});
  inc.reset(l.set, base, w.sv.usable(w.view), w.sv.withheld(w.drained));
  REQUIRE(inc.ready());
  // Tiers share _sip._tcp, and e3 is in both: one group; the NAPTR owner and the explicit
  // names reading "exp" belong to it.
  const auto& plan = inc.plan();
  CHECK(plan.group_of[0][0] == plan.group_of[0][1]);
  CHECK(plan.group_of[0][2] != plan.group_of[0][0]);
  auto& owners = plan.groups[plan.group_of[0][0]].owners;
  for (const char* n : {"alias2.inc.test.", "_sips._tcp.other.inc.test.", "other.inc.test.",
                        "mail.inc.test."})
    CHECK_MESSAGE(std::find(owners.begin(), owners.end(), test::wire_of(n)) != owners.end(), n);

  std::mt19937 rng(20261205);
  const char* hosts[] = {"e1.inc.test.", "e2.inc.test.", "e3.inc.test.", "b1.inc.test.",
                         "x1.inc.test.", "p1.inc.test.", "p2.inc.test."};
  uint32_t serial = 7;
  for (int step = 0; step < 200; ++step) {
    control::health_view before = w.view;
    std::set<std::string> drains_before = w.drained;
    // One to three checks flip, and now and then a drain or undrain.
    for (int k = 0, n = 1 + int(rng() % 3); k < n; ++k) {
      auto& s = w.view[rng() % w.view.size()];
      s = s == health::state::up ? (rng() % 4 ? health::state::down : health::state::draining)
                                 : health::state::up;
    }
    if (rng() % 5 == 0) {
      std::string h = hosts[rng() % std::size(hosts)];
      if (rng() % 3 == 0) h += " sip+tcp";
      if (!w.drained.erase(h)) w.drained.insert(h);
    }
    std::vector<uint32_t> groups;
    for (auto [z, c] : w.sv.changed(before, w.view)) groups.push_back(plan.group_of[z][c]);
    for (auto [z, c] : w.sv.changed(drains_before, w.drained))
      groups.push_back(plan.group_of[z][c]);
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    auto changes = inc.apply(groups, w.sv.usable(w.view), w.sv.withheld(w.drained));
    if (!changes.empty()) ++serial;
    auto over = inc.version({serial});
    auto want = answers(*w.whole({serial}));
    auto got = answers(*over);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i)
      REQUIRE_MESSAGE(got[i] == want[i], "step ", step, ": ", want[i].substr(0, want[i].find(':')));
  }
}

TEST_CASE("a health change records the RRsets it removed and added") {
  loaded l;
  world w(l);
  control::incremental inc;
  inc.reset(l.set, w.whole({7}), w.sv.usable(w.view), w.sv.withheld(w.drained));
  // Every check of e1 down: its SRV records and its round-robin addresses leave.
  for (size_t i = 0; i < w.sv.checks().size(); ++i)
    if (w.sv.checks()[i].host == "e1.inc.test") w.view[i] = health::state::down;
  const auto& plan = inc.plan();
  auto changes = inc.apply({plan.group_of[0][0]}, w.sv.usable(w.view), w.sv.withheld(w.drained));
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].added.empty());
  std::set<std::string> removed;
  for (const auto& r : changes[0].removed) removed.insert(test::text_of(r));
  CHECK(removed.count("exp.inc.test.\t3\tIN\tA\t192.0.2.1"));
  CHECK(removed.count("exp.inc.test.\t3\tIN\tAAAA\t2001:db8::1"));
  CHECK(removed.count("_sip._tcp.inc.test.\t3\tIN\tSRV\t10 10 5060 e1.inc.test."));
  CHECK(removed.size() == 5);  // A, AAAA and three SRV; the peer's own A/AAAA stay
  // Nothing else changed: applying the same view again records nothing.
  CHECK(inc.apply({plan.group_of[0][0]}, w.sv.usable(w.view), w.sv.withheld(w.drained)).empty());
}
