// NOTIFY (RFC 1996) to the secondaries given with --notify, whenever a zone's served serial
// changes (and once at start-up), retried with back-off until each acknowledges.
//
// Design: one UDP socket on the main loop. A (secondary, zone) pair has at most one NOTIFY
// outstanding, for the newest serial: a change while one is unacknowledged replaces it. Sends
// at 0, 1, 2, 4, 8, 16 s after the change (six tries, as BIND retries), then gives up with a
// log line; the secondary still catches up at its SOA refresh. Each pair remembers when it was
// last notified and acknowledged, for `sipdns status`.
#pragma once
#include <uv.h>

#include <cstdint>
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "control/status.hpp"
#include "control/transfer_source.hpp"
#include "net/address.hpp"
#include "uv/handle.hpp"
#include "uv/owner.hpp"
#include "xfr/tsig.hpp"

namespace sipdns::daemon {

class notifier final : public uv::handle_owner {
 public:
  struct target {
    net::endpoint to;
    const xfr::tsig_key* key = nullptr;  // signs the NOTIFY (RFC 8945) when set
  };
  // Null with `err` when the socket cannot be opened.
  static uv::handle_ptr<notifier> open(uv_loop_t* loop, std::vector<target> targets,
                                       std::string& err);
  // A version is in service: NOTIFY every target of each zone whose serial differs from the
  // last one notified.
  void served(const control::transfer_source& src) noexcept;
  // Adds one entry per (secondary, zone) to the status (shown as "notify 192.0.2.7#53
  // lab.test. serial 12 sent 3 s ago acked 2 s ago").
  void fill(control::status& s) const;
  // NOTIFY messages per secondary ("192.0.2.7#53"): sent (retries included), acknowledged,
  // refused. Any thread (for /metrics).
  struct tally {
    std::string secondary;
    uint64_t sent = 0, acked = 0, refused = 0;
  };
  std::vector<tally> counts() const;
  void close() noexcept { close_handles(); }

 private:
  struct pending {
    uint32_t serial = 0;
    uint16_t id = 0;
    int tries = 0;            // sent so far
    uint64_t next_ms = 0;     // loop time of the next send; 0 = done
    uint64_t sent_ms = 0, acked_ms = 0;
    uint32_t acked_serial = 0;
    bool refused = false;
    zone::record soa;
  };
  using key = std::pair<size_t, std::string>;  // (target index, origin as wire name)

  explicit notifier(std::vector<target> targets)
      : targets_(std::move(targets)), counts_(new counters[targets_.size()]) {}
  struct counters {  // written on the loop thread only
    std::atomic<uint64_t> sent{0}, acked{0}, refused{0};
  };
  void send_due() noexcept;
  void arm() noexcept;
  static void on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept;
  static void on_recv(uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr* from,
                      unsigned) noexcept;
  static void on_timer(uv_timer_t* t) noexcept;

  std::vector<target> targets_;
  std::unique_ptr<counters[]> counts_;  // by target
  uv_udp_t udp4_{}, udp6_{};
  bool has4_ = false, has6_ = false;
  uv_timer_t timer_{};
  std::map<key, pending> pending_;
  std::map<std::string, uint32_t> notified_;  // origin -> serial last queued
  std::mt19937 rng_{std::random_device{}()};
  char buf_[1024];
};

}  // namespace sipdns::daemon
