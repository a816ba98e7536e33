// The orderings an endpoint applies to DNS answers: NAPTR by order then preference (RFC 3403
// section 4.1), SRV by priority with RFC 2782's weighted random selection within a priority.
// Pure: the random numbers come from an injected source, so tests can fix every draw.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace sipdns::resolve {

// Names are absolute presentation text, lower-case, with the trailing dot.
struct naptr_rr {
  std::string owner;
  uint32_t ttl = 0;
  uint16_t order = 0, preference = 0;
  std::string flags, services, regexp, replacement;
};

struct srv_rr {
  std::string owner;
  uint32_t ttl = 0;
  uint16_t priority = 0, weight = 0, port = 0;
  std::string target;
};

struct addr_rr {
  std::string owner;
  uint32_t ttl = 0;
  std::string address;  // presentation form, "10.48.53.127" or "2001:db8::11"
  bool v6 = false;
};

// Uniform random integers in [0, n), n >= 1.
class random_source {
 public:
  virtual ~random_source() = default;
  virtual uint32_t below(uint32_t n) = 0;
};

// The command's source: a 64-bit Mersenne Twister, seeded by --seed or by the system; the
// bounded draw is written out (rejection sampling) so that a seed gives the same order with
// any standard library.
class seeded_random final : public random_source {
 public:
  explicit seeded_random(uint64_t seed) : gen_(seed) {}
  uint32_t below(uint32_t n) override;

 private:
  std::mt19937_64 gen_;
};

// RFC 2782, "Usage rules": lowest priority first; within a priority, repeatedly pick among the
// records not yet ordered with probability proportional to weight, weight-0 records placed
// first so that they have a small chance when others have weight and an equal one when all
// are 0. The records of a priority are sorted, then shuffled ("in any order") before that,
// so the result depends on the draws, never on the order the server sent them in.
std::vector<srv_rr> order_srv(std::vector<srv_rr> set, random_source& rnd);

// RFC 3403 section 4.1 / RFC 3263 section 4.1: ascending order, then preference; ties broken
// by service and replacement so every server's answer gives the same list.
std::vector<naptr_rr> order_naptr(std::vector<naptr_rr> set);

}  // namespace sipdns::resolve
