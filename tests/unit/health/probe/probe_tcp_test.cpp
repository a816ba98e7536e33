// TCP connect probes against loopback sockets, timeouts, cancellation and many probes at once.
#include "probe_support.hpp"

using namespace probe_test;
using sipdns::health::outcome;
using sipdns::health::probe_kind;
using sipdns::health::probe_transport;

TEST_CASE("tcp: a listening socket is up") {
  loop_fixture f;
  bound_socket peer("127.0.0.1", SOCK_STREAM, true);
  auto r = f.probe(target(v4("127.0.0.1", peer.port()), probe_kind::tcp, probe_transport::tcp));
  CHECK(r.result == outcome::up);
  CHECK(r.reason == "ok");
  CHECK(r.latency_ms < 1000);
  CHECK_FALSE(r.retry_after_s.has_value());
}

TEST_CASE("tcp: a closed port is down, connection refused") {
  loop_fixture f;
  uint16_t port = 0;
  {
    bound_socket gone("127.0.0.1", SOCK_STREAM, false);
    port = gone.port();
  }
  auto r = f.probe(target(v4("127.0.0.1", port), probe_kind::tcp, probe_transport::tcp));
  CHECK(r.result == outcome::down);
  CHECK(r.reason == "connection refused");
}

TEST_CASE("tls: a peer that accepts but never answers the handshake times out") {
  loop_fixture f;
  bound_socket silent("127.0.0.1", SOCK_STREAM, true);
  auto t = target(v4("127.0.0.1", silent.port()), probe_kind::tls, probe_transport::tls, 300);
  auto r = f.probe(t);
  CHECK(r.result == outcome::down);
  CHECK(r.reason == "timeout");
  CHECK(r.latency_ms >= 290);
  CHECK(r.latency_ms < 1500);
}

TEST_CASE("an address without a port or family is down without touching the network") {
  loop_fixture f;
  auto t = target(sockaddr_storage{}, probe_kind::tcp, probe_transport::tcp);
  auto r = f.probe(t);
  CHECK(r.result == outcome::down);
  CHECK(r.reason == "invalid address");
}

TEST_CASE("close_all cancels probes in flight: no callback, every handle closed") {
  loop_fixture f;
  bound_socket silent("127.0.0.1", SOCK_STREAM, true);
  bound_socket silent_udp("127.0.0.1", SOCK_DGRAM, false);  // bound, never reads
  int calls = 0;
  {
    health::probe_runner runner(f.loop());
    for (auto kind : {probe_kind::tls, probe_kind::sip_options, probe_kind::stun}) {
      auto t = target(v4("127.0.0.1", silent.port()), kind, probe_transport::tcp, 5000);
      runner.start(t, [&](const health::probe_result&) { ++calls; });
    }
    auto udp = target(v4("127.0.0.1", silent_udp.port()), probe_kind::sip_options,
                      probe_transport::udp, 5000);
    runner.start(udp, [&](const health::probe_result&) { ++calls; });
    CHECK(runner.in_flight() == 4);
    f.run_until([] { return false; }, 100ms);  // connected, waiting for answers
    runner.close_all();
    CHECK(runner.in_flight() == 0);
  }
  f.drain();
  CHECK(calls == 0);
}

TEST_CASE("destroying the runner inside a callback is safe") {
  loop_fixture f;
  bound_socket peer("127.0.0.1", SOCK_STREAM, true);
  auto runner = std::make_unique<health::probe_runner>(f.loop());
  int calls = 0;
  auto t = target(v4("127.0.0.1", peer.port()), probe_kind::tcp, probe_transport::tcp);
  runner->start(t, [&](const health::probe_result&) {
    ++calls;
    runner.reset();
  });
  runner->start(t, [&](const health::probe_result&) { ++calls; });
  f.run_until([&] { return runner == nullptr; }, 3s);
  f.drain();
  CHECK(calls == 1);  // the second probe was cancelled with the runner
}

TEST_CASE("many probes run concurrently and each calls back once") {
  loop_fixture f;
  bound_socket peer("127.0.0.1", SOCK_STREAM, true);
  uint16_t closed_port = 0;
  {
    bound_socket gone("127.0.0.1", SOCK_STREAM, false);
    closed_port = gone.port();
  }
  health::probe_runner runner(f.loop());
  int up = 0, down = 0;
  for (int i = 0; i < 20; ++i) {
    uint16_t port = i % 2 == 0 ? peer.port() : closed_port;
    runner.start(target(v4("127.0.0.1", port), probe_kind::tcp, probe_transport::tcp),
                 [&](const health::probe_result& r) { ++(r.result == outcome::up ? up : down); });
  }
  CHECK(runner.in_flight() == 20);
  f.run_until([&] { return up + down == 20; }, 5s);
  CHECK(up == 10);
  CHECK(down == 10);
  CHECK(runner.in_flight() == 0);
}
