// TLS probes against Debian's `openssl s_server` with a certificate made by the test.
#include <regex>

#include "probe_support.hpp"

using namespace probe_test;
using sipdns::health::outcome;
using sipdns::health::probe_kind;
using sipdns::health::probe_transport;

namespace {

constexpr const char* tls_ip = "127.0.0.3";

// openssl s_server on tls_ip, port chosen by the kernel and read from its "ACCEPT" line.
struct s_server {
  temp_dir dir;
  std::optional<peer_process> proc;
  uint16_t port = 0;

  s_server() {
    std::string script = std::string(PEERS_DIR) + "/tls/make_cert.sh";
    REQUIRE(std::system(
                (script + " " + dir.file("") + " peer1.lab.test >/dev/null 2>&1").c_str()) == 0);
    proc.emplace(std::vector<std::string>{std::string(PEERS_DIR) + "/tls/run_s_server.sh",
                                          dir.file("cert.pem"), dir.file("key.pem"),
                                          std::string(tls_ip) + ":0"},
                 dir.file("s_server.log"));
    std::smatch m;
    static const std::regex accept_line("ACCEPT [0-9.]+:([0-9]+)");
    REQUIRE(wait_until(
        [&] {
          std::string log = slurp(dir.file("s_server.log"));
          if (!std::regex_search(log, m, accept_line)) return false;
          port = static_cast<uint16_t>(std::stoi(m[1]));
          return true;
        },
        5s));
  }
  health::probe_target tls_target() const {
    return target(v4(tls_ip, port), probe_kind::tls, probe_transport::tls);
  }
};

}  // namespace

TEST_CASE("tls: openssl s_server") {
  s_server peer;
  loop_fixture f;

  SUBCASE("without verification any certificate is accepted") {
    auto r = f.probe(peer.tls_target());
    CHECK(r.result == outcome::up);
    CHECK(r.reason == "ok");
  }
  SUBCASE("verified against its own certificate as CA, right name: up") {
    auto t = peer.tls_target();
    t.tls_verify = true;
    t.tls_ca_file = peer.dir.file("cert.pem");
    auto r = f.probe(t);
    CHECK(r.result == outcome::up);
    CHECK(r.reason == "ok");
  }
  SUBCASE("verified, wrong expected name: down, hostname mismatch") {
    auto t = peer.tls_target();
    t.tls_verify = true;
    t.tls_ca_file = peer.dir.file("cert.pem");
    t.tls_name = "peer2.lab.test";
    auto r = f.probe(t);
    CHECK(r.result == outcome::down);
    CHECK(r.reason == "TLS: certificate verify failed: hostname mismatch");
  }
  SUBCASE("verified against the system CAs: a self-signed certificate is down") {
    auto t = peer.tls_target();
    t.tls_verify = true;
    auto r = f.probe(t);
    CHECK(r.result == outcome::down);
    CHECK(r.reason.rfind("TLS: certificate verify failed: ", 0) == 0);
    MESSAGE(r.reason);
  }
  SUBCASE("an unreadable CA file is down with the file in the reason") {
    auto t = peer.tls_target();
    t.tls_verify = true;
    t.tls_ca_file = peer.dir.file("missing.pem");
    auto r = f.probe(t);
    CHECK(r.result == outcome::down);
    CHECK(r.reason.rfind("TLS: cannot load CA file " + t.tls_ca_file, 0) == 0);
  }
  SUBCASE("one runner, several verify settings, probes in parallel") {
    health::probe_runner runner(f.loop());
    std::vector<health::probe_result> results;
    for (int i = 0; i < 6; ++i) {
      auto t = peer.tls_target();
      t.tls_verify = i % 2 == 1;
      t.tls_ca_file = peer.dir.file("cert.pem");
      runner.start(t, [&](const health::probe_result& r) { results.push_back(r); });
    }
    f.run_until([&] { return results.size() == 6; }, 5s);
    REQUIRE(results.size() == 6);
    for (const auto& r : results) CHECK(r.result == outcome::up);
  }
}

TEST_CASE("tls: a TCP peer that sends garbage is down with a TLS reason") {
  loop_fixture f;
  auto peer = std::make_unique<garbage_server>(f.loop(), tls_ip);
  auto r = f.probe(target(v4(tls_ip, peer->port()), probe_kind::tls, probe_transport::tls));
  CHECK(r.result == outcome::down);
  CHECK(r.reason.rfind("TLS: ", 0) == 0);
  MESSAGE(r.reason);
  peer.reset();
}
