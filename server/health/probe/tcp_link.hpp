// One TCP connection to an endpoint, kept open across SIP OPTIONS / STUN probes.
//
// Design: a probe over TCP used to connect, exchange one request and close: a handshake and
// a teardown (both ends' kernel work lands on the prober on loopback) for every probe, 77 us
// against 30 us over UDP. A SIP client keeps its connection to a proxy (RFC 3261 section
// 18.3, RFC 5923), and so does the prober: the probe writes its request on the endpoint's
// open link and reads the answer. A peer that dies or restarts closes or resets the
// connection; the next probe then connects afresh, so a refused connection still means down.
// A link serves one probe at a time; its owner (the runner) drops it once it is broken.
#pragma once
#include <sys/socket.h>
#include <uv.h>

#include <string>
#include <string_view>
#include <unordered_map>

#include "health/probe/sockaddr_text.hpp"

#include "uv/handle.hpp"
#include "uv/owner.hpp"

namespace sipdns::health::detail {

class tcp_link final : public uv::handle_owner {
 public:
  class user {
   public:
    // The connection is open (at once from attach() when it already was): send the request.
    virtual void on_open(const sockaddr_storage& local) noexcept = 0;
    // `inbox` holds every byte received and not yet consumed; consume from the front.
    virtual void on_bytes(std::string& inbox) noexcept = 0;
    // The connection failed (connect error, reset, closed by the peer): a libuv status.
    virtual void on_lost(int status) noexcept = 0;

   protected:
    ~user() = default;
  };

  // Starts connecting to `to`. Null with `status` on failure.
  static uv::handle_ptr<tcp_link> open(uv_loop_t* loop, const sockaddr_storage& to,
                                       int& status);
  // Broken: closed by the peer, failed, or given up by a probe that got no answer on it.
  bool broken() const noexcept { return broken_; }
  bool busy() const noexcept { return user_ != nullptr; }
  // Has carried a whole exchange: a failure on it may be the peer closing an idle
  // connection, not the peer being down.
  bool reused() const noexcept { return exchanges_ > 0; }
  void attach(user* u) noexcept;
  // `answered`: the user got its response; otherwise the link is not used again (a late
  // response must not be read as the next probe's).
  void detach(user* u, bool answered) noexcept;
  // 0 or a libuv error; bytes that do not fit the socket buffer at once are queued.
  int write(std::string_view bytes) noexcept;
  void close() noexcept { close_handles(); }

 private:
  tcp_link() = default;
  void fail(int status) noexcept;
  static void on_connect(uv_connect_t* req, int status) noexcept;
  static void on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_write(uv_write_t* req, int status) noexcept;

  uv_tcp_t tcp_{};
  uv_connect_t connect_{};
  uv_write_t write_{};
  sockaddr_storage local_{};
  user* user_ = nullptr;
  bool open_ = false;
  bool broken_ = false;
  bool writing_ = false;
  unsigned exchanges_ = 0;
  std::string inbox_;
  std::string writing_buf_;  // the part of a request that did not fit at once
};

// The runner's links, one per endpoint.
class tcp_links {
 public:
  explicit tcp_links(uv_loop_t* loop) : loop_(loop) {}
  // A free, unbroken link to `to`: the endpoint's kept one, or a new one that is kept from
  // now on. When the kept one is busy (two checks on one endpoint), a new link the caller
  // owns alone (`own`). Null with `status` when a socket cannot be opened.
  tcp_link* get(const sockaddr_storage& to, uv::handle_ptr<tcp_link>& own, int& status);
  // Closes links that are broken or that no probe uses (after a reconfiguration).
  void forget_idle() noexcept;
  void clear() noexcept { links_.clear(); }

 private:
  uv_loop_t* loop_;
  std::unordered_map<endpoint_key, uv::handle_ptr<tcp_link>, endpoint_hash> links_;
};

}  // namespace sipdns::health::detail
