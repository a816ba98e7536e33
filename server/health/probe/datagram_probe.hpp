// A request/response probe over UDP (SIP OPTIONS, STUN Binding) with retransmissions.
#pragma once
#include <uv.h>

#include <array>
#include <memory>
#include <string>

#include "health/probe/exchange.hpp"
#include "health/probe/probe_base.hpp"

namespace sipdns::health::detail {

// The socket is bound to an ephemeral port and connected to the target (uv_udp_connect), so
// the kernel drops datagrams from anyone else and reports ICMP port unreachable as
// ECONNREFUSED on the next receive or send.
class datagram_probe final : public probe_base {
 public:
  datagram_probe(uv_loop_t* loop, probe_list& list, probe_runner::callback done,
                 const probe_target& target, std::unique_ptr<exchange> ex);

 private:
  void begin() noexcept override;
  void transmit() noexcept;
  void arm_retransmit() noexcept;

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                      unsigned flags) noexcept;
  static void on_retransmit(uv_timer_t* t) noexcept;

  // RFC 3261 section 17.1.2.2 (T1) and RFC 5389 section 7.2.1 (RTO) both start at 500 ms.
  static constexpr uint64_t initial_interval_ms = 500;

  sockaddr_storage address_;
  std::unique_ptr<exchange> exchange_;
  std::string request_;
  uint64_t interval_ms_ = initial_interval_ms;
  uv_udp_t udp_{};
  uv_timer_t retransmit_{};
  std::array<char, 16 * 1024> rbuf_{};
};

}  // namespace sipdns::health::detail
