// The prober's schedule without a loop: the due-time heap and the spread of second probes.
#include "health/due_queue.hpp"

#include <doctest/doctest.h>

#include <array>
#include <random>
#include <vector>

using namespace sipdns;

TEST_CASE("due_queue pops what is due, earliest first, and keeps the rest") {
  health::due_queue q;
  CHECK(q.next_due() == UINT64_MAX);
  for (uint64_t t : {50u, 10u, 30u, 20u, 40u}) q.push({t, uint32_t(t), 1});
  CHECK(q.next_due() == 10);
  std::vector<health::due_queue::item> out;
  q.pop_due(25, out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].due_ms == 10);
  CHECK(out[1].due_ms == 20);
  CHECK(q.next_due() == 30);
  CHECK(q.size() == 3);
  out.clear();
  q.pop_due(1000, out);
  CHECK(out.size() == 3);
  CHECK(out.back().check == 50);
}

TEST_CASE("10,000 checks started together spread evenly over the interval by their second probe") {
  // Start-up: every first probe within 250 ms; each reports 1 ms later and is placed at a
  // random point of the next interval; then they keep one interval apart. Over one interval
  // long after, each tenth of it holds about a tenth of the probes.
  constexpr uint32_t checks = 10000, interval = 1000;
  std::mt19937_64 rng(7);
  health::due_queue q;
  for (uint32_t i = 0; i < checks; ++i) q.push({rng() % 250, i, 1});
  std::vector<health::due_queue::item> due;
  q.pop_due(250, due);
  REQUIRE(due.size() == checks);
  for (const auto& it : due) {
    uint64_t result = it.due_ms + 1;
    q.push({result + health::spread_delay_ms(interval, rng()), it.check, 1});
  }
  // Rounds: each probe due again one interval after it ran.
  std::array<int, 10> tenth{};
  for (uint64_t now = 300; now < 5300; now += 10) {
    due.clear();
    q.pop_due(now, due);
    for (const auto& it : due) {
      if (now >= 4300) tenth[(it.due_ms % interval) / (interval / 10)] += 1;
      q.push({it.due_ms + interval, it.check, 1});
    }
  }
  int total = 0;
  for (int n : tenth) total += n;
  CHECK(total == int(checks));
  for (int n : tenth) CHECK_MESSAGE(std::abs(n - 1000) < 150, "a tenth of the interval holds ", n);
  CHECK(q.size() == checks);
}

TEST_CASE("spread_delay_ms stays inside the interval, never at zero") {
  for (uint64_t r : {0ull, 1ull, 999ull, 1000ull, ~0ull}) {
    uint64_t d = health::spread_delay_ms(1000, r);
    CHECK(d >= 1);
    CHECK(d <= 1000);
  }
}
