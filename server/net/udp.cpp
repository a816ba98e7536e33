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
  if (int r = uv_udp_init(srv.loop(), &l->handle_); r < 0) {
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
  // Every datagram is answered before the next one is read, so one buffer serves them all.
  auto span = static_cast<udp_listener*>(h->data)->server_.recv_buffer();
  *buf = uv_buf_init(reinterpret_cast<char*>(span.data()), unsigned(span.size()));
}

void udp_listener::on_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                           unsigned flags) noexcept {
  // nread == 0 with no address only means "nothing more to read"; errors on an unconnected
  // UDP socket (e.g. ICMP-induced) concern one peer and are not worth a log line per packet.
  if (nread <= 0 || from == nullptr || (flags & UV_UDP_PARTIAL)) return;
  auto* self = static_cast<udp_listener*>(h->data);
  server& srv = self->server_;
  auto out = srv.out_buffer();
  size_t n =
      answer::respond(srv.snapshot(), {reinterpret_cast<const uint8_t*>(buf->base), size_t(nread)},
                      out, answer::transport::udp);
  if (n == 0) return;
  uv_buf_t reply = uv_buf_init(reinterpret_cast<char*>(out.data()), unsigned(n));
  // A full socket buffer means we are overloaded: dropping the reply is what a busy server
  // does anyway and the client retries; queuing would need a request allocation per packet.
  (void)uv_udp_try_send(h, &reply, 1, from);
}

void udp_listener::on_close(uv_handle_t* h) noexcept { delete static_cast<udp_listener*>(h->data); }

}  // namespace sipdns::net
