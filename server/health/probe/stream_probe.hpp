// A probe over TCP: connect, then optionally a TLS handshake, then optionally one
// request/response exchange (SIP OPTIONS, STUN Binding).
#pragma once
#include <uv.h>

#include <array>
#include <memory>
#include <string>

#include "health/probe/exchange.hpp"
#include "health/probe/probe_base.hpp"
#include "health/probe/tls_session.hpp"

namespace sipdns::health::detail {

// Without TLS and exchange the probe is a plain connect check; with TLS only, the handshake
// is the check. The TLS session is created by the runner (it owns the SSL_CTX cache).
class stream_probe final : public probe_base {
 public:
  stream_probe(uv_loop_t* loop, probe_list& list, probe_runner::callback done,
               const probe_target& target, std::unique_ptr<tls_session> tls,
               std::unique_ptr<exchange> ex);

 private:
  void begin() noexcept override;

  void connected() noexcept;
  void drive_handshake() noexcept;
  void send_request() noexcept;
  void received(const char* data, size_t len) noexcept;
  void queue_write(std::string bytes) noexcept;
  void flush() noexcept;
  void flush_tls() noexcept;

  static void on_connect(uv_connect_t* req, int status) noexcept;
  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_write(uv_write_t* req, int status) noexcept;

  sockaddr_storage address_;
  std::unique_ptr<tls_session> tls_;
  std::unique_ptr<exchange> exchange_;
  uv_tcp_t tcp_{};
  uv_connect_t connect_req_{};
  uv_write_t write_req_{};
  bool handshake_done_ = false;
  bool writing_ = false;
  std::string writing_buf_;  // bytes of the write in flight; stable until on_write
  std::string outbox_;       // bytes queued behind it
  std::string inbox_;        // received application bytes not yet consumed
};

}  // namespace sipdns::health::detail
