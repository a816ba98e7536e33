// What one answering loop counts for the metrics endpoint: queries by transport, QTYPE and
// RCODE, truncated replies, open TCP connections, and the in-server time of each reply.
//
// Design: each loop owns its counters and is their only writer, so an increment is a
// relaxed load and store (no lock prefix, no sharing of a cache line with another writer);
// the metrics thread reads them with relaxed loads and sums the loops. Nothing allocates.
#pragma once
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <ctime>

namespace sipdns::net {

class counter {
 public:
  void add(uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void sub(uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
  uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// The QTYPEs a SIP deployment asks, each its own label; the rest is "other".
inline constexpr std::array<uint16_t, 14> counted_qtypes = {1,  28, 33, 35, 6,   2,   12,
                                                            5,  15, 16, 255, 252, 251, 0};
inline constexpr std::array<const char*, 15> qtype_names = {
    "A",  "AAAA", "SRV", "NAPTR", "SOA", "NS",   "PTR", "CNAME",
    "MX", "TXT",  "ANY", "AXFR",  "IXFR", "none", "other"};
inline constexpr size_t qtype_buckets = qtype_names.size();
// RCODEs 0..15 by value (the header's four bits); names for those that occur.
inline constexpr size_t rcode_buckets = 16;
const char* rcode_name(size_t rcode) noexcept;

// In-server time buckets (upper bounds, microseconds), Prometheus "le" labels; +Inf last.
inline constexpr std::array<uint32_t, 10> latency_bounds_us = {10,  25,   50,   100,  250,
                                                               500, 1000, 2500, 5000, 10000};

struct loop_counters {
  std::array<std::array<std::array<counter, rcode_buckets>, qtype_buckets>, 2> queries;  // udp, tcp
  counter truncated;
  counter tcp_connections;  // a gauge: added on accept, subtracted on close
  std::array<counter, latency_bounds_us.size() + 1> latency;  // per bucket, not cumulative
  counter latency_sum_ns, latency_count;

  // One reply of `len` bytes in `reply`, its question ending at `question_end` (the header's
  // end when none was echoed), over TCP or UDP, `ns` nanoseconds in the server.
  void reply(const uint8_t* reply, size_t len, size_t question_end, bool tcp,
             uint64_t ns) noexcept;
  void latency_of(uint64_t ns, uint64_t n) noexcept;
};

// CLOCK_MONOTONIC in nanoseconds (the vDSO: no system call).
inline uint64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

// The index of `qtype` in qtype_names.
size_t qtype_bucket(uint16_t qtype) noexcept;

}  // namespace sipdns::net
