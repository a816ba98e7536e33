// One connected UDP socket per endpoint, kept open across probes.
//
// Design: a probe over UDP used to open, bind, connect, name and close a socket of its own,
// with three epoll_ctl calls: ten system calls for one request and one response. A channel
// does that once per endpoint; a probe then costs a send and a receive. The socket stays
// connected, so the kernel still drops datagrams from anyone else and still reports ICMP
// port unreachable (a dead peer) as ECONNREFUSED, which goes to every probe using the
// channel. Several probes may share one (checks of several names on one endpoint): each
// datagram is offered to each, and each exchange accepts only its own transaction.
#pragma once
#include <sys/socket.h>
#include <uv.h>

#include <array>
#include <string_view>
#include <vector>

#include "uv/handle.hpp"
#include "uv/owner.hpp"

namespace sipdns::health::detail {

class udp_channel final : public uv::handle_owner {
 public:
  class user {
   public:
    virtual void on_datagram(std::string_view d) noexcept = 0;
    virtual void on_error(int status) noexcept = 0;

   protected:
    ~user() = default;
  };
  // Bound to an ephemeral port, connected to `to`, receiving. Null with `status` on failure.
  static uv::handle_ptr<udp_channel> open(uv_loop_t* loop, const sockaddr_storage& to,
                                          int& status);
  // The socket's own address, for SIP's Via and Contact.
  const sockaddr_storage& local() const noexcept { return local_; }
  // uv_udp_try_send: 0, or a libuv error (UV_EAGAIN: the socket buffer is full).
  int send(std::string_view bytes) noexcept;
  void attach(user* u);
  void detach(user* u) noexcept;
  bool idle() const noexcept { return users_.empty(); }
  void close() noexcept { close_handles(); }

 private:
  udp_channel() = default;
  static void on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept;
  static void on_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                      unsigned flags) noexcept;

  uv_udp_t udp_{};
  sockaddr_storage local_{};
  std::vector<user*> users_;
  std::vector<user*> offering_;  // users_ copied for one delivery (a user may detach in it)
};

}  // namespace sipdns::health::detail
