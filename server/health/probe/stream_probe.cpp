// TCP connect, TLS handshake and request/response probes over one TCP connection.
#include "health/probe/stream_probe.hpp"

#include <utility>

namespace sipdns::health::detail {

namespace {
uv_stream_t* as_stream(uv_tcp_t* h) { return reinterpret_cast<uv_stream_t*>(h); }

probe_result down(std::string reason) {
  return {outcome::down, std::move(reason), 0, std::nullopt};
}

std::string connect_error(int status) {
  return status == UV_ECONNREFUSED ? "connection refused" : uv_strerror(status);
}
}  // namespace

stream_probe::stream_probe(uv_loop_t* loop, probe_list& list, probe_runner::callback done,
                           const probe_target& target, std::unique_ptr<tls_session> tls,
                           std::unique_ptr<exchange> ex)
    : probe_base(loop, list, std::move(done), target.timeout_ms),
      address_(target.address),
      tls_(std::move(tls)),
      exchange_(std::move(ex)) {
  bind(&connect_req_);
  bind(&write_req_);
}

void stream_probe::begin() noexcept {
  if (int r = adopt(&tcp_, uv_tcp_init_ex(loop(), &tcp_, address_.ss_family)); r < 0) {
    finish_soon(down(uv_strerror(r)));
    return;
  }
  if (int r = uv_tcp_connect(&connect_req_, &tcp_, reinterpret_cast<const sockaddr*>(&address_),
                             on_connect);
      r < 0) {
    finish_soon(down(connect_error(r)));
  }
}

void stream_probe::on_connect(uv_connect_t* req, int status) noexcept {
  if (status == UV_ECANCELED) return;
  auto* self = owner_of<stream_probe>(req->data);
  if (self->finished()) return;
  if (status < 0) {
    self->finish(down(connect_error(status)));
    return;
  }
  self->connected();
}

void stream_probe::connected() noexcept {
  if (!tls_ && !exchange_) {
    finish({outcome::up, "ok", 0, std::nullopt});  // closing right away is the whole check
    return;
  }
  if (int r = uv_read_start(as_stream(&tcp_), on_alloc, on_read); r < 0) {
    finish(down(uv_strerror(r)));
    return;
  }
  if (tls_) {
    drive_handshake();
  } else {
    send_request();
  }
}

void stream_probe::drive_handshake() noexcept {
  auto st = tls_->handshake();
  flush_tls();
  if (st == tls_session::status::failed) {
    finish(down(tls_->error()));
  } else if (st == tls_session::status::done) {
    handshake_done_ = true;
    if (!exchange_) {
      finish({outcome::up, "ok", 0, std::nullopt});
    } else {
      send_request();
    }
  }
}

void stream_probe::send_request() noexcept {
  sockaddr_storage local{};
  int len = sizeof local;
  if (int r = uv_tcp_getsockname(&tcp_, reinterpret_cast<sockaddr*>(&local), &len); r < 0) {
    finish(down(uv_strerror(r)));
    return;
  }
  std::string req;
  try {
    req = exchange_->request(local);
  } catch (...) {
    finish(down("out of memory"));
    return;
  }
  if (!tls_) {
    queue_write(std::move(req));
    return;
  }
  if (!tls_->write(req)) {
    finish(down(tls_->error()));
    return;
  }
  flush_tls();
}

void stream_probe::flush_tls() noexcept {
  std::string out = tls_->take_output();
  if (!out.empty()) queue_write(std::move(out));
}

void stream_probe::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept { *buf = read_buffer(); }

void stream_probe::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* self = owner_of<stream_probe>(s->data);
  if (self->finished() || nread == 0) return;
  if (nread < 0) {
    if (nread != UV_EOF) {
      self->finish(down(uv_strerror(static_cast<int>(nread))));
    } else if (self->tls_ && !self->handshake_done_) {
      self->finish(down("TLS: connection closed during handshake"));
    } else {
      self->finish(down("connection closed"));
    }
    return;
  }
  self->received(buf->base, static_cast<size_t>(nread));
}

void stream_probe::received(const char* data, size_t len) noexcept {
  try {
    if (tls_) {
      tls_->feed(data, len);
      if (!handshake_done_) {
        drive_handshake();
        if (finished() || !handshake_done_) return;
      }
      bool ok = tls_->read(inbox_);
      flush_tls();  // TLS 1.3 may answer post-handshake messages
      if (!ok) {
        finish(down(tls_->error()));
        return;
      }
    } else {
      inbox_.append(data, len);
    }
    if (!exchange_ || inbox_.empty()) return;
    if (auto v = exchange_->on_stream(inbox_)) finish(std::move(*v));
  } catch (...) {
    finish(down("out of memory"));
  }
}

void stream_probe::queue_write(std::string bytes) noexcept {
  outbox_ += bytes;
  if (!writing_) flush();
}

void stream_probe::flush() noexcept {
  if (outbox_.empty() || finished()) return;
  writing_buf_ = std::move(outbox_);
  outbox_.clear();
  uv_buf_t b = uv_buf_init(writing_buf_.data(), static_cast<unsigned>(writing_buf_.size()));
  if (int r = uv_write(&write_req_, as_stream(&tcp_), &b, 1, on_write); r < 0) {
    finish(down(uv_strerror(r)));
    return;
  }
  writing_ = true;
}

void stream_probe::on_write(uv_write_t* req, int status) noexcept {
  if (status == UV_ECANCELED) return;
  auto* self = owner_of<stream_probe>(req->data);
  self->writing_ = false;
  if (self->finished()) return;
  if (status < 0) {
    self->finish(down(status == UV_EPIPE || status == UV_ECONNRESET ? "connection reset"
                                                                    : uv_strerror(status)));
    return;
  }
  self->flush();
}

}  // namespace sipdns::health::detail
