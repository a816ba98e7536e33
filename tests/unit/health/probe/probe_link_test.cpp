// SIP OPTIONS over TCP keeps one connection per endpoint (tcp_link): counted by the real
// sip_responder (--log-connections), broken by really stopping and restarting it.
#include "probe_support.hpp"

using namespace probe_test;
using sipdns::health::outcome;
using sipdns::health::probe_kind;
using sipdns::health::probe_result;
using sipdns::health::probe_runner;
using sipdns::health::probe_transport;

namespace {

constexpr const char* ip = "127.0.0.2";

size_t connections(const std::string& log) {
  size_t n = 0;
  for (size_t at = 0; (at = log.find("connection from", at)) != std::string::npos; ++at) ++n;
  return n;
}

// A sip_responder over TCP on ip:port (0: any), counting the connections it accepts.
struct tcp_peer {
  temp_dir& dir;
  std::string log;
  std::optional<peer_process> proc;
  uint16_t port = 0;

  tcp_peer(temp_dir& d, const std::string& name, uint16_t at) : dir(d), log(d.file(name)) {
    std::remove(dir.file("port").c_str());
    proc.emplace(std::vector<std::string>{SIP_RESPONDER, "--listen",
                                          std::string(ip) + ":" + std::to_string(at),
                                          "--transport", "tcp", "--code", "200", "--port-file",
                                          dir.file("port"), "--log-connections"},
                 log);
    REQUIRE(wait_until([&] { return !slurp(dir.file("port")).empty(); }, 5s));
    port = static_cast<uint16_t>(std::stoi(slurp(dir.file("port"))));
  }
  size_t accepted() const { return connections(slurp(log)); }
};

// Probes on one runner, one at a time, as the monitor runs them.
struct one_runner {
  loop_fixture& f;
  probe_runner runner;
  explicit one_runner(loop_fixture& fx) : f(fx), runner(fx.loop()) {}
  probe_result probe(const sipdns::health::probe_target& t) {
    std::optional<probe_result> r;
    runner.start(t, [&](const probe_result& x) { r = x; });
    f.run_until([&] { return r.has_value(); }, 5s);
    REQUIRE(r.has_value());
    return *r;
  }
};

}  // namespace

TEST_CASE("sip_options over tcp: successive probes share one connection") {
  loop_fixture f;
  temp_dir dir;
  tcp_peer peer(dir, "a.log", 0);
  {
    one_runner r(f);
    auto t = target(v4(ip, peer.port), probe_kind::sip_options, probe_transport::tcp);
    for (int i = 0; i < 5; ++i) {
      auto res = r.probe(t);
      CHECK(res.result == outcome::up);
      CHECK(res.reason == "SIP 200");
    }
    CHECK(peer.accepted() == 1);
    r.runner.close_all();
  }
  f.drain();
}

TEST_CASE("sip_options over tcp: a restarted peer is up again, a stopped one refused") {
  loop_fixture f;
  temp_dir dir;
  std::optional<tcp_peer> peer;
  peer.emplace(dir, "first.log", 0);
  const uint16_t port = peer->port;
  {
    one_runner r(f);
    auto t = target(v4(ip, port), probe_kind::sip_options, probe_transport::tcp);
    REQUIRE(r.probe(t).result == outcome::up);

    // Restarted while the loop does not run: the kept connection looks open, so the next
    // probe writes on it, finds it closed, and must connect again rather than report down.
    peer.reset();
    peer.emplace(dir, "second.log", port);
    auto again = r.probe(t);
    CHECK(again.result == outcome::up);
    CHECK(again.reason == "SIP 200");
    CHECK(peer->accepted() == 1);

    // Stopped for good: the reconnect is refused, and that is down.
    peer.reset();
    auto gone = r.probe(t);
    CHECK(gone.result == outcome::down);
    CHECK(gone.reason == "connection refused");
    r.runner.close_all();
  }
  f.drain();
}
