// UDP listener: receive into the server's buffer, answer in place, send with uv_udp_try_send.
#include "net/udp.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "answer/answer.hpp"
#include "net/server.hpp"

namespace sipdns::net {

handle_ptr<udp_listener> udp_listener::open(server& srv, const endpoint& ep, std::string& err) {
  handle_ptr<udp_listener> l(new udp_listener(srv));
  const std::string where = "udp " + to_string(ep.sa());
  if (int r = uv_udp_init_ex(srv.loop(), &l->handle_, AF_UNSPEC | UV_UDP_RECVMMSG); r < 0) {
    err = where + ": " + uv_strerror(r);  // not initialized: close() just deletes
    return nullptr;
  }
  l->initialized_ = true;
  l->handle_.data = l.get();

  // We create the socket ourselves rather than with uv_udp_bind, which sets SO_REUSEADDR:
  // on Linux that lets a second server silently share (and steal from) a UDP port, where we
  // want a clear "address in use" at start-up.
  int fd = ::socket(ep.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = where + ": socket: " + std::strerror(errno);
    return nullptr;
  }
  int one = 1;
  if (srv.config().reuse_port &&
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    err = where + ": SO_REUSEPORT: " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  if (ep.family() == AF_INET6 &&
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) {
    err = where + ": IPV6_V6ONLY: " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  socklen_t len = ep.family() == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (::bind(fd, ep.sa(), len) < 0) {
    err = where + ": bind: " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  if (int r = uv_udp_open(&l->handle_, fd); r < 0) {
    err = where + ": " + uv_strerror(r);
    ::close(fd);
    return nullptr;
  }
  l->fd_ = fd;
  if (int r = uv_udp_recv_start(&l->handle_, on_alloc, on_recv); r < 0) {
    err = where + ": " + uv_strerror(r);
    return nullptr;
  }
  return l;
}

void udp_listener::close() noexcept {
  if (!initialized_) {
    delete this;
    return;
  }
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&handle_)))
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_), on_close);
}

endpoint udp_listener::local_endpoint() const {
  endpoint ep;
  int len = sizeof ep.addr;
  uv_udp_getsockname(&handle_, reinterpret_cast<sockaddr*>(&ep.addr), &len);
  return ep;
}

void udp_listener::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
  // One buffer of `batch` chunks, reused for every read: libuv splits it for recvmmsg.
  auto* self = static_cast<udp_listener*>(h->data);
  *buf = uv_buf_init(reinterpret_cast<char*>(self->recv_.get()), unsigned(batch * chunk));
}

void udp_listener::on_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                           unsigned flags) noexcept {
  auto* self = static_cast<udp_listener*>(h->data);
  // The end of a recvmmsg batch (MMSG_FREE) or of the readable data: send what is pending.
  if (from == nullptr) {
    self->flush();
    return;
  }
  // Errors on an unconnected UDP socket (e.g. ICMP-induced) concern one peer and are not
  // worth a log line per packet; truncated datagrams are not queries we can answer.
  if (nread <= 0 || (flags & UV_UDP_PARTIAL)) return;
  size_t slot = self->pending_;
  size_t n = answer::respond(self->server_.snapshot(),
                             {reinterpret_cast<const uint8_t*>(buf->base), size_t(nread)},
                             self->out_[slot], answer::transport::udp);
  if (n > 0) {
    socklen_t len = from->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    std::memcpy(&self->peer_[slot], from, len);
    self->iov_[slot] = {self->out_[slot].data(), n};
    mmsghdr& m = self->msgs_[slot];
    m = {};
    m.msg_hdr.msg_name = &self->peer_[slot];
    m.msg_hdr.msg_namelen = len;
    m.msg_hdr.msg_iov = &self->iov_[slot];
    m.msg_hdr.msg_iovlen = 1;
    ++self->pending_;
  }
  if (!(flags & UV_UDP_MMSG_CHUNK) || self->pending_ == batch) self->flush();
}

void udp_listener::flush() noexcept {
  size_t sent = 0;
  while (sent < pending_) {
    int r = ::sendmmsg(fd_, msgs_.data() + sent, unsigned(pending_ - sent), MSG_DONTWAIT);
    // A full socket buffer means we are overloaded: dropping the rest is what a busy server
    // does anyway and clients retry; other errors concern one destination: skip it.
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    sent += r > 0 ? size_t(r) : 1;
  }
  pending_ = 0;
}

void udp_listener::on_close(uv_handle_t* h) noexcept { delete static_cast<udp_listener*>(h->data); }

}  // namespace sipdns::net
