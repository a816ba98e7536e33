// A UDP listener: datagrams in by recvmmsg batches, replies out by one sendmmsg per batch, no
// allocation per packet.
//
// Design: libuv (UV_UDP_RECVMMSG) reads up to `batch` datagrams per system call into one
// buffer of `batch` 64 KiB chunks and calls on_recv once per datagram, then once more with
// UV_UDP_MMSG_FREE. Each answer goes into its own slot; the last call flushes every slot with
// one sendmmsg. A datagram read alone (no MMSG_CHUNK flag) is answered at once.
#pragma once
#include <uv.h>

#include <sys/socket.h>

#include <array>
#include <memory>
#include <string>

#include "wire/constants.hpp"

#include "net/address.hpp"
#include "net/handle.hpp"

namespace sipdns::net {

class server;

class udp_listener {
 public:
  // Creates the socket, binds it and starts receiving. Returns nullptr with `err` set on
  // failure. IPv6 sockets are IPV6_V6ONLY so that 127.0.0.1:p and [::1]:p can coexist.
  static handle_ptr<udp_listener> open(server& srv, const endpoint& ep, std::string& err);

  udp_listener(const udp_listener&) = delete;
  udp_listener& operator=(const udp_listener&) = delete;

  void close() noexcept;
  // The bound address (the port is the real one when 0 was asked).
  std::string local_address() const { return to_string(local_endpoint().sa()); }
  endpoint local_endpoint() const;

 private:
  explicit udp_listener(server& srv) : server_(srv) {}
  ~udp_listener() = default;

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                      unsigned flags) noexcept;
  static void on_close(uv_handle_t* h) noexcept;

  void flush() noexcept;

  static constexpr size_t batch = 20;         // libuv's UV__MMSG_MAXWIDTH in 1.44
  static constexpr size_t chunk = 64 * 1024;  // libuv's UV__UDP_DGRAM_MAXSIZE

  server& server_;
  uv_udp_t handle_{};
  bool initialized_ = false;
  int fd_ = -1;
  std::unique_ptr<uint8_t[]> recv_{new uint8_t[batch * chunk]};
  // Pending replies: slot i is out_[i], sent to peer_[i].
  std::array<std::array<uint8_t, wire::our_edns_size>, batch> out_{};
  std::array<sockaddr_storage, batch> peer_{};
  std::array<iovec, batch> iov_{};
  std::array<mmsghdr, batch> msgs_{};
  size_t pending_ = 0;
};

}  // namespace sipdns::net
