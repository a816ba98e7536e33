// A request/response probe over UDP (SIP OPTIONS, STUN Binding) with retransmissions.
#pragma once
#include <uv.h>

#include <array>
#include <memory>
#include <string>

#include "health/probe/exchange.hpp"
#include "health/probe/probe_base.hpp"
#include "health/probe/udp_hub.hpp"

namespace sipdns::health::detail {

// Sent and heard through the runner's udp_hub: only datagrams from the target reach it, and
// ICMP port unreachable ends it as ECONNREFUSED.
class datagram_probe final : public probe_base, private udp_endpoint::user {
 public:
  // `channel` must outlive the probe (the runner cancels probes before dropping endpoints).
  datagram_probe(uv_loop_t* loop, probe_list& list, probe_runner::callback done,
                 const probe_target& target, std::unique_ptr<exchange> ex, udp_endpoint& channel);

 private:
  void begin() noexcept override;
  void release() noexcept override;
  void on_datagram(std::string_view d) noexcept override;
  void on_error(int status) noexcept override;
  void transmit() noexcept;
  void arm_retransmit() noexcept;

  static void on_retransmit(uv_timer_t* t) noexcept;

  // RFC 3261 section 17.1.2.2 (T1) and RFC 5389 section 7.2.1 (RTO) both start at 500 ms.
  static constexpr uint64_t initial_interval_ms = 500;

  std::unique_ptr<exchange> exchange_;
  udp_endpoint* channel_;
  bool attached_ = false;
  std::string request_;
  uint64_t interval_ms_ = initial_interval_ms;
  uv_timer_t retransmit_{};
};

}  // namespace sipdns::health::detail
