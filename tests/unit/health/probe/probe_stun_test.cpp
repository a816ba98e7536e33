// STUN Binding probes against coturn's turnserver (Debian package coturn), STUN-only mode.
#include "probe_support.hpp"

using namespace probe_test;
using sipdns::health::outcome;
using sipdns::health::probe_kind;
using sipdns::health::probe_transport;

namespace {
constexpr const char* stun_ip = "127.0.0.5";
}

TEST_CASE("stun: turnserver answers Binding requests over udp and tcp") {
  REQUIRE_MESSAGE(have_program("turnserver"), "turnserver missing: apt-get install coturn");
  temp_dir dir;
  uint16_t port = free_port(stun_ip);
  peer_process server({std::string(PEERS_DIR) + "/stun/run_turnserver.sh", stun_ip,
                       std::to_string(port), dir.file("work")},
                      dir.file("turnserver.log"));
  REQUIRE(wait_until(
      [&] {
        return port_taken(stun_ip, port, SOCK_DGRAM) && port_taken(stun_ip, port, SOCK_STREAM);
      },
      10s));
  loop_fixture f;
  for (auto tr : {probe_transport::udp, probe_transport::tcp}) {
    CAPTURE(tr == probe_transport::udp ? "udp" : "tcp");
    auto r = f.probe(target(v4(stun_ip, port), probe_kind::stun, tr));
    CHECK(r.result == outcome::up);
    CHECK(r.reason == "ok");
    CHECK(r.latency_ms < 1000);
  }
}

TEST_CASE("stun: a udp port without a server is down") {
  loop_fixture f;
  bound_socket gone(stun_ip, SOCK_DGRAM, false);
  uint16_t port = gone.port();
  gone.close_now();
  auto r = f.probe(target(v4(stun_ip, port), probe_kind::stun, probe_transport::udp, 1000));
  CHECK(r.result == outcome::down);
  CHECK(r.reason == "connection refused");
}

TEST_CASE("stun over tcp: a peer that speaks something else is down") {
  loop_fixture f;
  auto peer = std::make_unique<garbage_server>(f.loop(), stun_ip);
  auto r = f.probe(target(v4(stun_ip, peer->port()), probe_kind::stun, probe_transport::tcp));
  CHECK(r.result == outcome::down);
  CHECK(r.reason == "STUN: malformed response");
  peer.reset();
}
