// The lint rule engine (tools/lint) on zones written inline: which rules fire, where, and what
// lint_ignore silences. The goldens in tests/data/lint cover the wording (integration `lint`).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lint/lint.hpp"
#include "lint/rules.hpp"
#include "zone/loader.hpp"

using namespace sipdns;
namespace fs = std::filesystem;

namespace {

const char* header = R"([zone]
origin = "lint.test"
soa = { mname = "ns1", rname = "hostmaster", serial = 1 }
ns = ["ns1"]
)";

// Writes each {file name, text} into a fresh directory and loads it; the ids found, in order.
struct linted {
  zone::load_result loaded;
  std::vector<lint::finding> findings;
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& d : loaded.diagnostics) out.push_back(lint::from_diagnostic(d).id);
    for (const auto& f : findings) out.push_back(f.id);
    return out;
  }
};

linted lint_files(const std::vector<std::pair<std::string, std::string>>& files) {
  static int n = 0;
  fs::path dir = fs::temp_directory_path() / ("sipdns-lint-test-" + std::to_string(::getpid()) +
                                              "-" + std::to_string(n++));
  fs::create_directories(dir);
  for (const auto& [name, text] : files) std::ofstream(dir / name) << text;
  linted out{zone::load({dir.string()}), {}};
  if (out.loaded.zones) out.findings = lint::run(*out.loaded.zones, out.loaded.expanded);
  fs::remove_all(dir);
  return out;
}

linted lint_one(const std::string& body) { return lint_files({{"z.toml", header + body}}); }

const std::string reverse = R"([zone]
origin = "2.0.192.in-addr.arpa"
soa = { mname = "ns1.lint.test.", rname = "hostmaster.lint.test.", serial = 1 }
ns = ["ns1.lint.test."]
)";

using ids = std::vector<std::string>;

}  // namespace

TEST_CASE("the rule table: ordered unique ids, every field filled, lookups") {
  std::string last;
  for (const auto& r : lint::rules()) {
    CHECK(std::string(r.id) > last);
    last = r.id;
    CHECK(std::string(r.name).size() > 3);
    CHECK(std::string(r.reference).size() > 3);
    if (std::string(r.id) != "SD000") CHECK(std::string(r.hint).size() > 10);
  }
  CHECK(lint::find_rule("SD114")->severity == lint::level::warning);
  CHECK(lint::find_rule("SD108")->severity == lint::level::info);
  CHECK(lint::find_rule("SD103")->severity == lint::level::error);
  CHECK(lint::find_rule("SD999") == nullptr);
}

TEST_CASE("the README's rule table lists every rule with its severity") {
  std::ifstream in("README.md");
  std::string readme(std::istreambuf_iterator<char>(in), {});
  for (const auto& r : lint::rules()) {
    CAPTURE(std::string(r.id));
    std::string row = std::string("| `") + r.id + "` " + r.name + " | " + lint::to_text(r.severity) + " |";
    CHECK(readme.find(row) != std::string::npos);
  }
}

TEST_CASE("a clean cluster with its reverse zone loaded: nothing to say") {
  auto l = lint_files({{"f.toml", std::string(header) + R"(records = ["ns1 A 192.0.2.1"]
[[cluster]]
name = "sip"
services = ["sip+tcp", "sips+tcp"]
naptr = true
peers = [{ host = "exp1", ipv4 = "192.0.2.11" }, { host = "exp2", ipv4 = "192.0.2.12" }]
)"},
                       {"r.toml", reverse}});
  CHECK(l.ids() == ids{});
}

TEST_CASE("the same cluster without its reverse zone: an info per peer address, at the peer") {
  auto l = lint_one(R"(records = ["ns1 A 192.0.2.1"]
[[cluster]]
services = ["sip+tcp"]
peers = [{ host = "exp1", ipv4 = "192.0.2.11", ipv6 = "2001:db8::11" }]
)");
  CHECK(l.ids() == ids{"SD108", "SD108"});
  CHECK(l.findings[0].where.line == 8);
  CHECK(l.findings[0].severity == lint::level::info);
}

TEST_CASE("backups: a higher priority number is quiet, the same one is SD102") {
  std::string two = R"(records = ["ns1 A 192.0.2.1"]
lint_ignore = ["SD108"]
[[cluster]]
services = ["sip+tcp"]
peers = [{ host = "a", ipv4 = "192.0.2.11" }]
[[cluster]]
services = ["sip+tcp"]
priority = PRIO
peers = [{ host = "b", ipv4 = "192.0.2.12" }]
)";
  auto with = [&](const char* prio) {
    std::string t = two;
    return lint_one(t.replace(t.find("PRIO"), 4, prio)).ids();
  };
  CHECK(with("20") == ids{});
  CHECK(with("10") == ids{"SD102"});
}

TEST_CASE("NAPTR across zones: a replacement in another loaded zone is followed") {
  std::string naptr = std::string(header) + R"(records = [
  "ns1 A 192.0.2.1",
  '@ NAPTR 10 100 "s" "SIP+D2T" "" _sip._tcp.other.test.',
  '@ NAPTR 20 100 "s" "SIP+D2U" "" _sip._udp.elsewhere.example.',
]
)";
  std::string other = R"([zone]
origin = "other.test"
soa = { mname = "ns1.lint.test.", rname = "hostmaster.lint.test.", serial = 1 }
ns = ["ns1.lint.test."]
records = ["_sip._tcp SRV 10 10 5060 ns1.lint.test."]
)";
  // SRV there: quiet; a replacement outside every loaded zone cannot be judged.
  CHECK(lint_files({{"a.toml", naptr}, {"b.toml", other}}).ids() == ids{});
  other.replace(other.find("_sip._tcp SRV"), 9, "_sip._udp");
  CHECK(lint_files({{"a.toml", naptr}, {"b.toml", other}}).ids() == ids{"SD105"});
}

TEST_CASE("NAPTR to a wildcard SRV owner is satisfied (RFC 4592)") {
  auto l = lint_one(R"(records = [
  "ns1 A 192.0.2.1",
  '@ NAPTR 10 100 "s" "SIP+D2T" "" _sip._tcp.site.lint.test.',
  "*._tcp.site SRV 10 10 5060 ns1",
]
)");
  CHECK(l.ids() == ids{});
}

TEST_CASE("derived NAPTR and SRV of a cluster point at each other: no SD105/SD106") {
  auto l = lint_one(R"(records = ["ns1 A 192.0.2.1"]
lint_ignore = ["SD108"]
[[cluster]]
services = ["sips+tcp", "sip+tcp", "sip+udp"]
naptr = true
peers = [{ host = "exp1", ipv4 = "192.0.2.11" }]
)");
  CHECK(l.ids() == ids{});
}

TEST_CASE("health-checked clusters are exempt from the TTL rules") {
  auto l = lint_one(R"(records = ["ns1 A 192.0.2.1"]
lint_ignore = ["SD108"]
[[cluster]]
services = ["sip+tcp"]
peers = [{ host = "exp1", ipv4 = "192.0.2.11" }]
health = { probe = "tcp" }
)");
  CHECK(l.ids() == ids{});
}

TEST_CASE("lint_ignore: per cluster, per zone, for the loader's rules too; bad shapes are errors") {
  std::string body = R"(records = ["ns1 A 192.0.2.1"]
lint_ignore = ["SD108"]
[[cluster]]
services = ["sip+tcp"]
srv_ttl = 60
WAIVER
peers = [{ host = "a", ipv4 = "192.0.2.11" }, { host = "b", ipv4 = "192.0.2.12", priority = 5 }]
)";
  auto with = [&](const char* waiver) {
    std::string t = body;
    return lint_one(t.replace(t.find("WAIVER"), 6, waiver)).ids();
  };
  // The loader's own findings (SD101) come first in ids(), then the lint pass's.
  CHECK(with("") == ids{"SD101", "SD110"});
  CHECK(with(R"(lint_ignore = ["SD101"])") == ids{"SD110"});
  CHECK(with(R"(lint_ignore = ["SD101", "SD110"])") == ids{});
  // A malformed id is a load error (and waives nothing): no lint pass then.
  CHECK(with(R"(lint_ignore = ["SD42"])") == ids{"SD000", "SD101"});
  CHECK(with(R"(lint_ignore = ["SD101", "SD110", "SD104"])") == ids{"SD100"});
}

TEST_CASE("findings are sorted by file, line, column") {
  auto l = lint_one(R"(records = ["ns1 A 192.0.2.1"]
[[cluster]]
name = "a"
services = ["sip+tcp", "sip+udp", "h323cs"]
srv_ttl = 60
peers = [{ host = "a", ipv4 = "192.0.2.11" }]
)");
  CHECK(l.ids() == ids{"SD110", "SD113", "SD115", "SD108"});
  for (size_t i = 1; i < l.findings.size(); ++i)
    CHECK(l.findings[i - 1].where.line <= l.findings[i].where.line);
}
