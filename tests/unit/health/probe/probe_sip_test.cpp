// SIP OPTIONS probes against tests/peers/sip_responder over UDP, TCP and TLS.
#include "probe_support.hpp"

using namespace probe_test;
using sipdns::health::outcome;
using sipdns::health::probe_kind;
using sipdns::health::probe_transport;

namespace {

constexpr const char* sip_ip = "127.0.0.2";

const char* name(probe_transport t) {
  return t == probe_transport::udp ? "udp" : t == probe_transport::tcp ? "tcp" : "tls";
}

// sip_responder on sip_ip, port 0, the bound port read from --port-file.
struct responder {
  temp_dir dir;
  std::optional<peer_process> proc;
  uint16_t port = 0;
  probe_transport transport;

  responder(probe_transport t, std::vector<std::string> extra) : transport(t) {
    std::vector<std::string> argv{SIP_RESPONDER,   "--listen", std::string(sip_ip) + ":0",
                                  "--transport",   name(t),    "--port-file",
                                  dir.file("port")};
    if (t == probe_transport::tls) {
      std::string script = std::string(PEERS_DIR) + "/tls/make_cert.sh";
      REQUIRE(std::system(
                  (script + " " + dir.file("") + " peer1.lab.test >/dev/null 2>&1").c_str()) == 0);
      for (const char* a : {"--cert", "cert.pem", "--key", "key.pem"}) {
        argv.push_back(a[0] == '-' ? std::string(a) : dir.file(a));
      }
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc.emplace(argv, dir.file("responder.log"));
    REQUIRE(wait_until([&] { return !slurp(dir.file("port")).empty(); }, 5s));
    port = static_cast<uint16_t>(std::stoi(slurp(dir.file("port"))));
  }
  health::probe_target sip_target(uint32_t timeout_ms = 2000) const {
    auto t = target(v4(sip_ip, port), probe_kind::sip_options, transport, timeout_ms);
    if (transport == probe_transport::tls) {
      t.tls_verify = true;
      t.tls_ca_file = dir.file("cert.pem");
    }
    return t;
  }
};

}  // namespace

TEST_CASE("sip_options: final responses over udp, tcp and tls") {
  struct sip_case {
    const char* what;
    std::vector<std::string> args;
    std::vector<std::pair<uint16_t, uint16_t>> up_codes;
    outcome expect;
    const char* reason;
    std::optional<uint32_t> retry_after;
  };
  const std::vector<sip_case> cases = {
      {"200 is up", {"--code", "200"}, {{200, 699}}, outcome::up, "SIP 200", std::nullopt},
      {"503 with Retry-After is draining",
       {"--code", "503", "--retry-after", "30"},
       {{200, 699}},
       outcome::draining,
       "SIP 503",
       30},
      {"503 is draining even inside up_codes",
       {"--code", "503"},
       {{200, 699}},
       outcome::draining,
       "SIP 503",
       std::nullopt},
      {"404 is up with the default up codes (the peer answered)",
       {"--code", "404"},
       {{200, 699}},
       outcome::up,
       "SIP 404",
       std::nullopt},
      {"404 is down when only 2xx count",
       {"--code", "404"},
       {{200, 299}},
       outcome::down,
       "SIP 404 Not Found",
       std::nullopt},
      {"a 100 Trying before the final response is skipped",
       {"--code", "200", "--trying"},
       {{200, 699}},
       outcome::up,
       "SIP 200",
       std::nullopt},
  };
  for (auto tr : {probe_transport::udp, probe_transport::tcp, probe_transport::tls}) {
    for (const auto& c : cases) {
      CAPTURE(name(tr));
      CAPTURE(c.what);
      responder peer(tr, c.args);
      loop_fixture f;
      auto t = peer.sip_target();
      t.up_codes = c.up_codes;
      auto r = f.probe(t);
      CHECK(r.result == c.expect);
      CHECK(r.reason == c.reason);
      CHECK(r.retry_after_s == c.retry_after);
    }
  }
}

TEST_CASE("sip_options over udp: a lost request is retransmitted (timer E, 500 ms)") {
  loop_fixture f;
  responder peer(probe_transport::udp, {"--code", "200", "--drop", "2"});
  auto r = f.probe(peer.sip_target(3000));
  CHECK(r.result == outcome::up);
  // Sent at 0, 500 and 1500 ms (RFC 3261 section 17.1.2.2); the third one is answered.
  CHECK(r.latency_ms >= 1450);
  CHECK(r.latency_ms < 2500);
}

TEST_CASE("sip_options over udp: nobody listening is down quickly") {
  loop_fixture f;
  bound_socket gone("127.0.0.2", SOCK_DGRAM, false);
  uint16_t port = gone.port();
  gone.close_now();
  auto r = f.probe(target(v4(sip_ip, port), probe_kind::sip_options, probe_transport::udp, 2000));
  CHECK(r.result == outcome::down);
  CHECK(r.reason == "connection refused");
  CHECK(r.latency_ms < 500);
}

TEST_CASE("sip_options over tcp: nobody listening is connection refused") {
  loop_fixture f;
  bound_socket gone("127.0.0.2", SOCK_STREAM, false);
  uint16_t port = gone.port();
  gone.close_now();
  auto r = f.probe(target(v4(sip_ip, port), probe_kind::sip_options, probe_transport::tcp));
  CHECK(r.result == outcome::down);
  CHECK(r.reason == "connection refused");
}

TEST_CASE("sip_options over tcp: a peer that never answers times out") {
  loop_fixture f;
  bound_socket silent("127.0.0.2", SOCK_STREAM, true);
  auto r = f.probe(
      target(v4(sip_ip, silent.port()), probe_kind::sip_options, probe_transport::tcp, 300));
  CHECK(r.result == outcome::down);
  CHECK(r.reason == "timeout");
}

TEST_CASE("sip_options over tcp: a peer that is not SIP is down") {
  loop_fixture f;
  auto peer = std::make_unique<garbage_server>(f.loop(), sip_ip);
  auto r = f.probe(target(v4(sip_ip, peer->port()), probe_kind::sip_options, probe_transport::tcp));
  CHECK(r.result == outcome::down);
  CHECK(r.reason == "SIP: malformed response");
  peer.reset();
}

TEST_CASE("sip_responder: SIGUSR1 toggles maintenance mode (503 <-> 200)") {
  loop_fixture f;
  responder peer(probe_transport::udp, {"--code", "503", "--retry-after", "60"});
  CHECK(f.probe(peer.sip_target()).result == outcome::draining);
  kill(peer.proc->pid(), SIGUSR1);
  REQUIRE(wait_until(
      [&] {
        return slurp(peer.dir.file("responder.log")).find("now answering 200") != std::string::npos;
      },
      3s));
  auto r = f.probe(peer.sip_target());
  CHECK(r.result == outcome::up);
  CHECK(r.reason == "SIP 200");
  kill(peer.proc->pid(), SIGUSR1);
  REQUIRE(wait_until(
      [&] {
        return slurp(peer.dir.file("responder.log")).find("now answering 503") != std::string::npos;
      },
      3s));
  CHECK(f.probe(peer.sip_target()).result == outcome::draining);
}

TEST_CASE("IPv6: sip_options over udp and tcp to [::1], Via with a bracketed address") {
  for (auto tr : {probe_transport::udp, probe_transport::tcp}) {
    CAPTURE(name(tr));
    temp_dir dir;
    peer_process peer({SIP_RESPONDER, "--listen", "[::1]:0", "--transport", name(tr), "--port-file",
                       dir.file("port"), "--code", "200"},
                      dir.file("log"));
    REQUIRE(wait_until([&] { return !slurp(dir.file("port")).empty(); }, 5s));
    sockaddr_storage a{};
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&a);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(static_cast<uint16_t>(std::stoi(slurp(dir.file("port")))));
    inet_pton(AF_INET6, "::1", &s6->sin6_addr);
    loop_fixture f;
    auto r = f.probe(target(a, probe_kind::sip_options, tr));
    CHECK(r.result == outcome::up);
    CHECK(r.reason == "SIP 200");
    auto c = f.probe(target(a, probe_kind::tcp, probe_transport::tcp));
    CHECK(c.result == (tr == probe_transport::tcp ? outcome::up : outcome::down));
  }
}

TEST_CASE("sip_options over udp: one socket for all, each probe hears only its endpoint") {
  // A live peer and a dead port probed together through the runner's one UDP socket: the
  // ICMP refusal reaches only the dead port's probe, the answer only the live one's.
  loop_fixture f;
  responder live(probe_transport::udp, {"--code", "200"});
  bound_socket gone("127.0.0.2", SOCK_DGRAM, false);
  uint16_t dead_port = gone.port();
  gone.close_now();
  std::optional<health::probe_result> a, b;
  {
    health::probe_runner runner(f.loop());
    for (int round = 0; round < 3; ++round) {
      a.reset();
      b.reset();
      runner.start(live.sip_target(), [&](const health::probe_result& r) { a = r; });
      runner.start(target(v4(sip_ip, dead_port), probe_kind::sip_options, probe_transport::udp),
                   [&](const health::probe_result& r) { b = r; });
      f.run_until([&] { return a && b; }, 5s);
      REQUIRE(a);
      REQUIRE(b);
      CHECK(a->result == outcome::up);
      CHECK(a->reason == "SIP 200");
      CHECK(b->result == outcome::down);
      CHECK(b->reason == "connection refused");
    }
  }
  f.drain();
}
