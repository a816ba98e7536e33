// RFC 2782 selection, deterministically (every random draw scripted) and statistically (a
// seeded source over many runs against the probabilities the RFC's algorithm gives), and
// RFC 3403 NAPTR ordering.
#include "resolve/select.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

using namespace sipdns::resolve;

namespace {

// Returns the scripted draws in turn; each must be in range, and all must be used.
struct scripted final : random_source {
  std::vector<uint32_t> draws;
  size_t next = 0;
  std::vector<uint32_t> bounds;  // the n of each call, to check the RFC's "0..sum inclusive"
  uint32_t below(uint32_t n) override {
    bounds.push_back(n);
    REQUIRE(next < draws.size());
    REQUIRE(draws[next] < n);
    return draws[next++];
  }
};

srv_rr srv(uint16_t prio, uint16_t weight, const char* target, uint16_t port = 5060) {
  return {"_sip._tcp.t.", 300, prio, weight, port, target};
}

std::vector<std::string> targets(const std::vector<srv_rr>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.target);
  return out;
}

// First-choice counts over runs with a seeded source.
std::map<std::string, int> first_counts(const std::vector<srv_rr>& set, int runs, uint64_t seed) {
  seeded_random rnd(seed);
  std::map<std::string, int> counts;
  for (int i = 0; i < runs; ++i) ++counts[order_srv(set, rnd).front().target];
  return counts;
}

}  // namespace

TEST_CASE("priorities: every record of a lower priority comes before any of a higher one") {
  seeded_random rnd(7);
  for (int run = 0; run < 200; ++run) {
    auto out = order_srv({srv(20, 60000, "b1."), srv(10, 0, "a1."), srv(20, 1, "b2."),
                          srv(10, 5, "a2."), srv(5, 1, "z.")},
                         rnd);
    REQUIRE(out.size() == 5);
    CHECK(out[0].target == "z.");
    CHECK(out[1].priority == 10);
    CHECK(out[2].priority == 10);
    CHECK(out[3].priority == 20);
    CHECK(out[4].priority == 20);
  }
}

TEST_CASE("the RFC 2782 walk, draw by draw: weight-0 records first in the list") {
  // One priority, a (weight 0) and b (weight 10). Sorted: a, b. Shuffle: below(2) = 0 swaps
  // them (b, a); weight 0 moves to the front again: a, b. Then below(sum + 1 = 11).
  scripted s;
  s.draws = {0, 0, 0};  // shuffle, pick 0: running sum 0 >= 0 picks a; then b alone
  CHECK(targets(order_srv({srv(1, 10, "b."), srv(1, 0, "a.")}, s)) ==
        std::vector<std::string>{"a.", "b."});
  CHECK(s.bounds == std::vector<uint32_t>{2, 11, 11});
  scripted t;
  t.draws = {1, 1, 0};  // no swap; pick 1: a's running sum 0 < 1, b's 10 >= 1: b first
  CHECK(targets(order_srv({srv(1, 0, "a."), srv(1, 10, "b.")}, t)) ==
        std::vector<std::string>{"b.", "a."});
  CHECK(t.bounds == std::vector<uint32_t>{2, 11, 1});  // then a alone: sum 0, below(1)
}

TEST_CASE("the walk picks the first record whose running sum reaches the draw") {
  // Sorted and not shuffled (draws 2 then 1 for i = 3, 2 keep the order): x 10, y 20, z 30.
  auto run = [](uint32_t pick) {
    scripted s;
    s.draws = {2, 1, pick, 0, 0};
    return order_srv({srv(1, 30, "z."), srv(1, 10, "x."), srv(1, 20, "y.")}, s).front().target;
  };
  CHECK(run(0) == "x.");
  CHECK(run(10) == "x.");
  CHECK(run(11) == "y.");
  CHECK(run(30) == "y.");
  CHECK(run(31) == "z.");
  CHECK(run(60) == "z.");  // the sum itself is a possible draw (inclusive)
}

TEST_CASE("the order the server sent does not matter, only the draws") {
  std::vector<srv_rr> a{srv(1, 10, "h1."), srv(1, 20, "h2."), srv(2, 5, "h3."), srv(2, 5, "h4.")};
  std::vector<srv_rr> b{a[3], a[1], a[2], a[0]};
  for (uint64_t seed = 0; seed < 50; ++seed) {
    seeded_random r1(seed), r2(seed);
    CHECK(targets(order_srv(a, r1)) == targets(order_srv(b, r2)));
  }
}

TEST_CASE("statistics: equal weights share the first place evenly") {
  auto c = first_counts({srv(10, 10, "habibexpc1."), srv(10, 10, "habibexpc2.")}, 20000, 1);
  CHECK(c["habibexpc1."] / 20000.0 == doctest::Approx(0.5).epsilon(0.03));
  CHECK(c["habibexpc2."] / 20000.0 == doctest::Approx(0.5).epsilon(0.03));
}

TEST_CASE("statistics: weights 60/30/10 give the RFC's shares") {
  // Draw r in 0..100; r = 0 picks whichever record is first after the shuffle (1/3 each), so
  // P(first = w) = (w + 1/3) / 101.
  const int runs = 30000;
  auto c = first_counts({srv(1, 60, "a."), srv(1, 30, "b."), srv(1, 10, "c.")}, runs, 2);
  CHECK(c["a."] / double(runs) == doctest::Approx(60.333 / 101).epsilon(0.03));
  CHECK(c["b."] / double(runs) == doctest::Approx(30.333 / 101).epsilon(0.05));
  CHECK(c["c."] / double(runs) == doctest::Approx(10.333 / 101).epsilon(0.08));
}

TEST_CASE("statistics: all weights 0 is an even choice; weight 0 beside weight is rare") {
  const int runs = 30000;
  auto even = first_counts({srv(1, 0, "a."), srv(1, 0, "b."), srv(1, 0, "c.")}, runs, 3);
  for (const char* t : {"a.", "b.", "c."})
    CHECK(even[t] / double(runs) == doctest::Approx(1.0 / 3).epsilon(0.05));
  // RFC 2782: weight 0 "should have a very small chance of being selected" among weighted
  // records: here only when the draw is 0, 1 time in 101.
  auto rare = first_counts({srv(1, 0, "zero."), srv(1, 100, "heavy.")}, runs, 4);
  CHECK(rare["zero."] / double(runs) == doctest::Approx(1.0 / 101).epsilon(0.25));
  CHECK(rare["zero."] > 0);
}

TEST_CASE("seeded_random: in range, and the same seed gives the same draws") {
  seeded_random a(42), b(42);
  for (uint32_t n : {1u, 2u, 3u, 7u, 65536u, 4000000000u}) {
    for (int i = 0; i < 100; ++i) {
      uint32_t v = a.below(n);
      CHECK(v < n);
      CHECK(v == b.below(n));
    }
  }
}

TEST_CASE("NAPTR: order, then preference, then a fixed tie-break") {
  auto n = [](uint16_t order, uint16_t pref, const char* service) {
    return naptr_rr{"t.", 60, order, pref, "s", service, "", std::string("_x.") + service + "."};
  };
  auto out = order_naptr({n(100, 50, "SIP+D2U"), n(50, 50, "SIPS+D2T"), n(90, 10, "SIP+D2T"),
                          n(50, 10, "SIP+D2T"), n(50, 10, "SIP+D2S")});
  std::vector<std::string> got;
  for (const auto& r : out) got.push_back(std::to_string(r.order) + "/" + r.services);
  CHECK(got == std::vector<std::string>{"50/SIP+D2S", "50/SIP+D2T", "50/SIPS+D2T", "90/SIP+D2T",
                                        "100/SIP+D2U"});
}
