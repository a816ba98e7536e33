// The prober (health::monitor) with TCP checks against real loopback sockets on
// 127.0.0.50-51: state transitions reach states() and status(), each is notified once, a
// reconfigure keeps the state of equal keys, stop() silences it. Every wait is bounded.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "health/monitor.hpp"

using namespace sipdns;
using namespace std::chrono_literals;

namespace {

// A TCP socket bound to ip:0. Not listening, it refuses connections (RST); listen() makes
// the same address:port accept them, so one peer can go from down to up.
class tcp_peer {
 public:
  explicit tcp_peer(const char* ip) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    REQUIRE(::inet_pton(AF_INET, ip, &a.sin_addr) == 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof addr_;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr_), &len) == 0);
  }
  ~tcp_peer() { ::close(fd_); }
  tcp_peer(const tcp_peer&) = delete;
  tcp_peer& operator=(const tcp_peer&) = delete;
  void listen() {  // the kernel completes handshakes; accepted() counts them
    REQUIRE(::listen(fd_, 64) == 0);
    REQUIRE(::fcntl(fd_, F_SETFL, O_NONBLOCK) == 0);
  }
  // Connections (probes) accepted so far: the observable sign that probe rounds have passed.
  int accepted() {
    for (int c; (c = ::accept(fd_, nullptr, nullptr)) >= 0;) {
      ::close(c);
      ++accepted_;
    }
    return accepted_;
  }
  const sockaddr_in& address() const { return addr_; }

 private:
  int fd_ = -1;
  int accepted_ = 0;
  sockaddr_in addr_{};
};

health::check_spec tcp_check(const std::string& key, const tcp_peer& peer) {
  health::check_spec s;
  s.key = key;
  s.label = key + " sip+tcp";
  s.host = key;
  s.services = "sip+tcp";
  s.probe_text = "tcp/tcp";
  std::memcpy(&s.target.address, &peer.address(), sizeof(sockaddr_in));
  s.target.host = key;
  s.target.kind = health::probe_kind::tcp;
  s.target.transport = health::probe_transport::tcp;
  s.target.timeout_ms = 300;
  s.time = {100, 2, 2};  // interval 100 ms, fall 2, rise 2
  return s;
}

// Polls `done` every 10 ms for at most `limit`.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::optional<health::state> state_of(const health::monitor& m, const std::string& key) {
  auto states = m.states();
  auto it = states.find(key);
  if (it == states.end()) return std::nullopt;
  return it->second;
}

std::optional<health::check_status> status_of(const health::monitor& m, const std::string& label) {
  for (const auto& s : m.status())
    if (s.label == label) return s;
  return std::nullopt;
}

}  // namespace

TEST_CASE("a listening peer stays up, a refusing one goes down; the change is notified once") {
  tcp_peer good("127.0.0.50"), bad("127.0.0.51");
  good.listen();
  std::atomic<int> notified{0};
  health::monitor m([&] { notified += 1; });
  CHECK(m.states().empty());  // nothing configured: every peer counts as up
  m.configure({tcp_check("good", good), tcp_check("bad", bad)});

  REQUIRE(wait_until([&] { return state_of(m, "bad") == health::state::down; }));
  CHECK(wait_until([&] { return notified.load() >= 1; }));
  auto bs = status_of(m, "bad sip+tcp");
  REQUIRE(bs);
  CHECK(bs->probed);
  CHECK(bs->current == health::state::down);
  CHECK(bs->reason == "connection refused");
  CHECK(bs->probe_text == "tcp/tcp");
  CHECK(bs->last_result == health::outcome::down);
  CHECK(bs->since_ms > 0);
  CHECK(bs->last_probe_ms >= bs->since_ms);
  // The transition, kept for status (wall clock), as logged.
  auto recent = m.recent();
  REQUIRE(recent.size() == 1);
  CHECK(recent[0].peer == "bad");
  CHECK(recent[0].service == "sip+tcp");
  CHECK(recent[0].from == std::string("up"));
  CHECK(recent[0].to == std::string("down"));
  CHECK(recent[0].reason == "connection refused");
  CHECK(recent[0].at_ms == bs->since_ms);

  REQUIRE(wait_until([&] {
    auto s = status_of(m, "good sip+tcp");
    return s && s->probed;
  }));
  CHECK(state_of(m, "good") == health::state::up);
  CHECK(status_of(m, "good sip+tcp")->since_ms > 0);  // the first verdict ends "unknown"
  // Four more probe rounds later (seen by the good peer) nothing else has changed: one
  // notification for one transition, none for results that confirm a state.
  int seen = good.accepted();
  REQUIRE(wait_until([&] { return good.accepted() >= seen + 4; }));
  CHECK(state_of(m, "good") == health::state::up);
  CHECK(state_of(m, "bad") == health::state::down);
  CHECK(notified.load() == 1);
  m.stop();
}

TEST_CASE("a down peer comes back after `rise` successes, and that is notified") {
  tcp_peer peer("127.0.0.50");
  std::atomic<int> notified{0};
  health::monitor m([&] { notified += 1; });
  m.configure({tcp_check("p", peer)});
  REQUIRE(wait_until([&] { return state_of(m, "p") == health::state::down; }));
  REQUIRE(wait_until([&] { return notified.load() == 1; }));
  peer.listen();
  REQUIRE(wait_until([&] { return state_of(m, "p") == health::state::up; }));
  CHECK(wait_until([&] { return notified.load() == 2; }));
  auto s = status_of(m, "p sip+tcp");
  REQUIRE(s);
  CHECK(s->reason != "connection refused");
  m.stop();
}

TEST_CASE("configure keeps the state of equal keys and forgets removed ones") {
  tcp_peer bad("127.0.0.51"), other("127.0.0.50");
  other.listen();
  std::atomic<int> notified{0};
  health::monitor m([&] { notified += 1; });
  m.configure({tcp_check("bad", bad), tcp_check("gone", other)});
  REQUIRE(wait_until([&] { return state_of(m, "bad") == health::state::down; }));
  REQUIRE(wait_until([&] { return notified.load() == 1; }));
  REQUIRE(state_of(m, "gone"));

  // A reload (new label, same key) while the peer recovers. Kept, the state is down and the
  // recovery is a transition (notified); a fresh entry would start up and notify nothing.
  bad.listen();
  health::check_spec again = tcp_check("bad", bad);
  again.label = "bad sip+tcp+renamed";
  m.configure({again});
  REQUIRE(wait_until([&] { return !state_of(m, "gone"); }));
  REQUIRE(wait_until([&] { return bad.accepted() >= 3; }));  // rise (2) rounds have passed
  CHECK(wait_until([&] { return state_of(m, "bad") == health::state::up; }));
  CHECK(notified.load() == 2);
  auto s = status_of(m, "bad sip+tcp+renamed");
  REQUIRE(s);
  CHECK(s->probed);
  CHECK(m.status().size() == 1);
  m.stop();
}

TEST_CASE("after stop() nothing is notified; states() and status() still answer") {
  tcp_peer peer("127.0.0.51");
  std::atomic<int> notified{0};
  health::monitor m([&] { notified += 1; });
  m.configure({tcp_check("p", peer)});
  REQUIRE(wait_until([&] { return notified.load() == 1; }));  // up -> down
  m.stop();
  m.stop();  // idempotent
  peer.listen();  // two successful rounds would bring it up if m still probed
  int before = notified.load();
  m.configure({tcp_check("p", peer)});  // ignored once stopped
  // The window: a second prober's first three probes of the same peer (m, had it gone on,
  // would have probed it as often, at the same interval).
  health::monitor witness(nullptr);
  witness.configure({tcp_check("p", peer)});
  REQUIRE(wait_until([&] { return peer.accepted() >= 3; }));
  witness.stop();
  CHECK(notified.load() == before);
  CHECK(state_of(m, "p") == health::state::down);
  CHECK(m.status().size() == 1);
}

TEST_CASE("state_vector: one state per configured check, in configure order, equal keys shared") {
  tcp_peer bad("127.0.0.51"), good("127.0.0.50");
  good.listen();
  health::monitor m(nullptr);
  // "b" twice (two clusters naming the same probe of the same endpoint): one probe, one state.
  uint64_t config = m.configure({tcp_check("g", good), tcp_check("b", bad), tcp_check("b", bad)});
  CHECK(config == 1);
  uint64_t got = 0;
  auto ready = [&] {
    auto v = m.state_vector(got);
    return got == config && v.size() == 3 && v[1] == health::state::down;
  };
  REQUIRE(wait_until(ready));
  auto v = m.state_vector(got);
  CHECK(v[0] == health::state::up);
  CHECK(v[2] == health::state::down);
  CHECK(m.status().size() == 2);
  CHECK(m.changes() >= 1);
  // A new configuration, in another order: the vector follows it once the prober took it.
  uint64_t second = m.configure({tcp_check("b", bad), tcp_check("g", good)});
  CHECK(second == 2);
  REQUIRE(wait_until([&] { return m.state_vector(got).size() == 2 && got == second; }));
  v = m.state_vector(got);
  CHECK(v[0] == health::state::down);  // kept across the reconfiguration
  CHECK(v[1] == health::state::up);
  m.stop();
}
