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
                               const probe_target& target, std::unique_ptr<exchange> ex)
    : probe_base(loop, list, std::move(done), target.timeout_ms),
      address_(target.address),
      exchange_(std::move(ex)) {
}

void datagram_probe::begin() noexcept {
  int r = adopt(&retransmit_, uv_timer_init(loop(), &retransmit_));
  if (r == 0) r = adopt(&udp_, uv_udp_init_ex(loop(), &udp_, address_.ss_family));
  if (r < 0) {
    finish_soon(down(uv_strerror(r)));
    return;
  }
  // An ephemeral port on the wildcard address; connect() then picks the source address,
  // which getsockname reports for Via and Contact.
  sockaddr_storage any{};
  any.ss_family = address_.ss_family;
  const auto* dest = reinterpret_cast<const sockaddr*>(&address_);
  r = uv_udp_bind(&udp_, reinterpret_cast<const sockaddr*>(&any), 0);
  if (r == 0) r = uv_udp_connect(&udp_, dest);
  if (r < 0) {
    finish_soon(down(udp_error(r)));
    return;
  }
  sockaddr_storage local{};
  int len = sizeof local;
  if ((r = uv_udp_getsockname(&udp_, reinterpret_cast<sockaddr*>(&local), &len)) < 0) {
    finish_soon(down(uv_strerror(r)));
    return;
  }
  try {
    request_ = exchange_->request(local);
  } catch (...) {
    finish_soon(down("out of memory"));
    return;
  }
  if ((r = uv_udp_recv_start(&udp_, on_alloc, on_recv)) < 0) {
    finish_soon(down(uv_strerror(r)));
    return;
  }
  transmit();
  arm_retransmit();
}

void datagram_probe::arm_retransmit() noexcept {
  // If the timer cannot start, the probe still ends at its timeout, with one transmission.
  (void)uv_timer_start(&retransmit_, on_retransmit, interval_ms_, 0);
}

void datagram_probe::transmit() noexcept {
  uv_buf_t b = uv_buf_init(request_.data(), static_cast<unsigned>(request_.size()));
  int r = uv_udp_try_send(&udp_, &b, 1, nullptr);
  // EAGAIN: the socket buffer is full; the next retransmission is the retry. Other errors are
  // delivered from the loop, since the first send happens inside start().
  if (r < 0 && r != UV_EAGAIN) finish_soon(down(udp_error(r)));
}

void datagram_probe::on_retransmit(uv_timer_t* t) noexcept {
  auto* self = owner_of<datagram_probe>(t->data);
  if (self->finished()) return;
  self->transmit();
  self->interval_ms_ = std::min(self->interval_ms_ * 2, self->exchange_->max_retransmit_ms());
  self->arm_retransmit();
}

void datagram_probe::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
  auto* self = owner_of<datagram_probe>(h->data);
  *buf = uv_buf_init(self->rbuf_.data(), static_cast<unsigned>(self->rbuf_.size()));
}

void datagram_probe::on_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                             unsigned flags) noexcept {
  auto* self = owner_of<datagram_probe>(h->data);
  if (self->finished()) return;
  if (nread < 0) {
    // On a connected socket an ICMP port unreachable surfaces here (RFC 1122 section 4.1.3.3).
    self->finish(down(udp_error(static_cast<int>(nread))));
    return;
  }
  if (from == nullptr || (flags & UV_UDP_PARTIAL) != 0) return;  // nothing, or truncated
  try {
    auto v = self->exchange_->on_datagram(std::string_view(buf->base, static_cast<size_t>(nread)));
    if (v) self->finish(std::move(*v));
  } catch (...) {
    self->finish(down("out of memory"));
  }
}

}  // namespace sipdns::health::detail
