// A UDP listener: one datagram in, at most one datagram out, no allocation per packet.
#pragma once
#include <uv.h>

#include <string>

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

  server& server_;
  uv_udp_t handle_{};
  bool initialized_ = false;
};

}  // namespace sipdns::net
