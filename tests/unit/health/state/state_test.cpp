// The health state machine driven by hand-made probe results and an injected clock.
#include <doctest/doctest.h>

#include "health/state.hpp"

using namespace sipdns::health;

namespace {

probe_result up() { return {outcome::up, "SIP 200", 3, {}}; }
probe_result down() { return {outcome::down, "timeout", 500, {}}; }
probe_result busy(std::optional<uint32_t> retry = {}) {
  return {outcome::draining, "SIP 503", 4, retry};
}

}  // namespace

TEST_CASE("peers start up; the first probe result applies directly") {
  timing t{1000, 2, 2};
  tracker a;
  CHECK(a.current() == state::up);
  CHECK_FALSE(a.probed());
  auto tr = a.on_result(down(), 10, t);
  REQUIRE(tr);
  CHECK(tr->from == state::up);
  CHECK(tr->to == state::down);

  tracker b;
  CHECK_FALSE(b.on_result(up(), 10, t));
  CHECK(b.current() == state::up);
}

TEST_CASE("fall consecutive failures take a peer down; a success in between resets") {
  timing t{1000, 2, 2};
  tracker k;
  k.on_result(up(), 0, t);
  CHECK_FALSE(k.on_result(down(), 1000, t));
  // Still up, but the status shows what the last probe said.
  CHECK(k.current() == state::up);
  CHECK(k.last_result() == outcome::down);
  CHECK(k.reason() == "timeout");
  CHECK(k.latency_ms() == 500);
  CHECK_FALSE(k.on_result(up(), 2000, t));
  CHECK(k.last_result() == outcome::up);
  CHECK_FALSE(k.on_result(down(), 3000, t));
  auto tr = k.on_result(down(), 4000, t);
  REQUIRE(tr);
  CHECK(tr->to == state::down);
  CHECK(k.reason() == "timeout");
}

TEST_CASE("with the defaults a dead peer is out within 2 s of its death") {
  timing t{1000, 2, 2};
  const uint64_t timeout = 400;  // the zone default
  for (bool refused : {true, false}) {
    tracker k;
    k.on_result(up(), 0, t);  // the last good probe; the peer dies right after it
    uint64_t start = k.next_due_ms();
    CHECK(start == 1000);
    probe_result fail = refused ? probe_result{outcome::down, "connection refused", 0, {}}
                                : probe_result{outcome::down, "timeout", 400, {}};
    uint64_t end = start + (refused ? 0 : timeout);
    CHECK_FALSE(k.on_result(fail, end, t));
    CHECK(k.next_due_ms() == end + 100);  // suspect: re-probed after a tenth of the interval
    start = k.next_due_ms();
    end = start + (refused ? 0 : timeout);
    auto tr = k.on_result(fail, end, t);
    REQUIRE(tr);
    CHECK(tr->to == state::down);
    CHECK(end <= 2000);
  }
}

TEST_CASE("rise consecutive successes bring a peer back") {
  timing t{1000, 2, 3};
  tracker k;
  k.on_result(down(), 0, t);
  CHECK(k.current() == state::down);
  CHECK_FALSE(k.on_result(up(), 1000, t));
  CHECK_FALSE(k.on_result(up(), 2000, t));
  auto tr = k.on_result(up(), 3000, t);
  REQUIRE(tr);
  CHECK(tr->to == state::up);
}

TEST_CASE("503 drains at once, honours Retry-After, and 200s bring the peer back") {
  timing t{1000, 2, 2};
  tracker k;
  k.on_result(up(), 0, t);
  auto tr = k.on_result(busy(30), 1000, t);
  REQUIRE(tr);
  CHECK(tr->to == state::draining);
  CHECK(k.next_due_ms() == 1000 + 30'000);
  CHECK_FALSE(k.on_result(busy(), 31'000, t));
  CHECK(k.next_due_ms() == 32'000);
  CHECK_FALSE(k.on_result(up(), 32'000, t));
  REQUIRE(k.on_result(up(), 33'000, t));
  CHECK(k.current() == state::up);
}

TEST_CASE("a draining peer that stops answering is down; Retry-After is capped at an hour") {
  timing t{1000, 3, 2};
  tracker k;
  k.on_result(busy(999'999), 0, t);
  CHECK(k.next_due_ms() == 3600'000);
  auto tr = k.on_result(down(), 3600'000, t);
  REQUIRE(tr);
  CHECK(tr->from == state::draining);
  CHECK(tr->to == state::down);
}
