// SIP OPTIONS and STUN Binding over UDP: connected socket, doubling retransmissions.
#include "health/probe/datagram_probe.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <utility>

namespace sipdns::health::detail {

namespace {
probe_result down(std::string reason) {
  return {outcome::down, std::move(reason), 0, std::nullopt};
}
std::string udp_error(int status) {
  return status == UV_ECONNREFUSED ? "connection refused" : uv_strerror(status);
}
}  // namespace

datagram_probe::datagram_probe(uv_loop_t* loop, probe_list& list, probe_runner::callback done,
                               const probe_target& target, std::unique_ptr<exchange> ex,
                               udp_endpoint& channel)
    : probe_base(loop, list, std::move(done), target.timeout_ms),
      exchange_(std::move(ex)),
      channel_(&channel) {}

void datagram_probe::begin() noexcept {
  if (int r = adopt(&retransmit_, uv_timer_init(loop(), &retransmit_)); r < 0) {
    finish_soon(down(uv_strerror(r)));
    return;
  }
  try {
    request_ = exchange_->request(channel_->local());
    channel_->attach(this);
  } catch (...) {
    finish_soon(down("out of memory"));
    return;
  }
  attached_ = true;
  transmit();
  arm_retransmit();
}

void datagram_probe::release() noexcept {
  if (attached_) channel_->detach(this);
  attached_ = false;
}

void datagram_probe::arm_retransmit() noexcept {
  // If the timer cannot start, the probe still ends at its timeout, with one transmission.
  (void)uv_timer_start(&retransmit_, on_retransmit, interval_ms_, 0);
}

void datagram_probe::transmit() noexcept {
  int r = channel_->send(request_);  // queued: sent before the loop next waits
  // Delivered from the loop, since the first send happens inside start().
  if (r < 0) finish_soon(down(udp_error(r)));
}

void datagram_probe::on_retransmit(uv_timer_t* t) noexcept {
  auto* self = owner_of<datagram_probe>(t->data);
  if (self->finished()) return;
  self->transmit();
  self->interval_ms_ = std::min(self->interval_ms_ * 2, self->exchange_->max_retransmit_ms());
  self->arm_retransmit();
}

// ICMP port unreachable from the target (RFC 1122 4.1.3.3), through the hub's error queue.
void datagram_probe::on_error(int status) noexcept {
  if (!finished()) finish(down(udp_error(status)));
}

void datagram_probe::on_datagram(std::string_view d) noexcept {
  if (finished()) return;
  try {
    if (auto v = exchange_->on_datagram(d)) finish(std::move(*v));
  } catch (...) {
    finish(down("out of memory"));
  }
}

}  // namespace sipdns::health::detail
