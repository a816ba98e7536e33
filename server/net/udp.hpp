// A UDP listener: datagrams in by recvmmsg batches, replies out by one sendmmsg per batch, no
// allocation per packet.
//
// Design: the socket is ours (see open()) and libuv only tells us it is readable (uv_poll).
// Each readiness reads up to `batch` datagrams with one recvmmsg, answers each into its own
// slot, and sends them all with one sendmmsg. A short batch means the queue is empty, so we
// go back to the loop without the extra "would block" read a generic reader makes; a full
// one reads again, a bounded number of times so TCP clients on the same loop are served too.
// A batch of 16..63 means a backlog: we pause (--udp-coalesce-us, default 200 us) so the
// next read finds tens of datagrams. Almost all the time per query is spent in the kernel,
// so system calls per datagram are the cost that matters (figures: bench/README.md).
// With --rrl-rate, each reply is shown to the socket's own rrl::limiter before it joins the
// send batch: sent, rewritten in place into a truncated reply (slip), or left out.
#pragma once
#include <sys/socket.h>
#include <uv.h>

#include <array>
#include <memory>
#include <string>

#include "net/address.hpp"
#include "net/query_log.hpp"
#include "rrl/limiter.hpp"
#include "uv/handle.hpp"
#include "uv/owner.hpp"
#include "wire/constants.hpp"

namespace sipdns::net {

class server;

class udp_listener final : public uv::handle_owner {
 public:
  // Creates the socket, binds it and starts receiving. Returns nullptr with `err` set on
  // failure. IPv6 sockets are IPV6_V6ONLY so that 127.0.0.1:p and [::1]:p can coexist.
  static uv::handle_ptr<udp_listener> open(server& srv, const endpoint& ep, std::string& err);

  udp_listener(const udp_listener&) = delete;
  udp_listener& operator=(const udp_listener&) = delete;

  void close() noexcept { close_handles(); }
  // The bound address (the port is the real one when 0 was asked).
  std::string local_address() const { return to_string(local_endpoint().sa()); }
  endpoint local_endpoint() const;

 private:
  explicit udp_listener(server& srv) : server_(srv) {}
  ~udp_listener() override;

  static void on_readable(uv_poll_t* h, int status, int events) noexcept;
  static void on_rrl_tick(uv_timer_t* t) noexcept;
  size_t read_batch() noexcept;  // returns datagrams read
  void log_queries(query_ring& ring, size_t replies, uint64_t ns) noexcept;

  static constexpr size_t batch = 64;
  static constexpr size_t max_query = 4096;   // larger UDP queries are not DNS we answer
  static constexpr int rounds = 8;            // batches per readiness, for fairness
  static constexpr size_t coalesce_min = 16;  // a batch this big means a backlog: pause

  server& server_;
  uv_poll_t poll_{};
  std::unique_ptr<rrl::limiter> rrl_;  // null when RRL is off
  uv_timer_t rrl_timer_{};              // ends limiting episodes once a second
  int fd_ = -1;
  std::array<std::array<uint8_t, max_query>, batch> in_{};
  std::array<std::array<uint8_t, wire::our_edns_size>, batch> out_{};
  std::array<sockaddr_storage, batch> peer_{};
  std::array<iovec, batch> in_iov_{}, out_iov_{};
  std::array<mmsghdr, batch> in_msgs_{}, out_msgs_{};
  std::array<uint16_t, batch> question_end_{};  // of each reply, for the counters
};

}  // namespace sipdns::net
