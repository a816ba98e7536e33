// Connected UDP sockets shared by the probes of one endpoint.
#include "health/probe/udp_channel.hpp"

#include <algorithm>

#include "health/probe/probe_base.hpp"

namespace sipdns::health::detail {

uv::handle_ptr<udp_channel> udp_channel::open(uv_loop_t* loop, const sockaddr_storage& to,
                                              int& status) {
  uv::handle_ptr<udp_channel> c(new udp_channel());
  status = c->adopt(&c->udp_, uv_udp_init_ex(loop, &c->udp_, to.ss_family));
  if (status < 0) return nullptr;
  // An ephemeral port on the wildcard address; connect() then picks the source address,
  // which getsockname reports.
  sockaddr_storage any{};
  any.ss_family = to.ss_family;
  status = uv_udp_bind(&c->udp_, reinterpret_cast<const sockaddr*>(&any), 0);
  if (status == 0) status = uv_udp_connect(&c->udp_, reinterpret_cast<const sockaddr*>(&to));
  int len = sizeof c->local_;
  if (status == 0)
    status = uv_udp_getsockname(&c->udp_, reinterpret_cast<sockaddr*>(&c->local_), &len);
  if (status == 0) status = uv_udp_recv_start(&c->udp_, on_alloc, on_recv);
  return status < 0 ? nullptr : std::move(c);
}

int udp_channel::send(std::string_view bytes) noexcept {
  uv_buf_t b = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
  int r = uv_udp_try_send(&udp_, &b, 1, nullptr);
  return r < 0 ? r : 0;
}

void udp_channel::attach(user* u) { users_.push_back(u); }

void udp_channel::detach(user* u) noexcept {
  users_.erase(std::remove(users_.begin(), users_.end(), u), users_.end());
  std::replace(offering_.begin(), offering_.end(), u, static_cast<user*>(nullptr));
}

void udp_channel::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept { *buf = read_buffer(); }

void udp_channel::on_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                          unsigned flags) noexcept {
  auto* self = owner_of<udp_channel>(h->data);
  if (nread == 0 && from == nullptr) return;  // nothing more to read
  if (nread >= 0 && (from == nullptr || (flags & UV_UDP_PARTIAL) != 0)) return;  // truncated
  // Users may finish (and detach) while being offered the datagram: offer to a copy, and
  // detach() blanks the copy's entry. The vector keeps its capacity: no allocation per read.
  self->offering_.assign(self->users_.begin(), self->users_.end());
  for (size_t i = 0; i < self->offering_.size(); ++i) {
    user* u = self->offering_[i];
    if (!u) continue;
    if (nread < 0)
      u->on_error(static_cast<int>(nread));
    else
      u->on_datagram(std::string_view(buf->base, static_cast<size_t>(nread)));
  }
}

}  // namespace sipdns::health::detail
