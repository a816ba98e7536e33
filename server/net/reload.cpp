// Off-loop snapshot rebuilds (SIGHUP, control commands, health changes).
#include "net/reload.hpp"

#include <cstdio>
#include <exception>

namespace sipdns::net {

void reloader::request() noexcept {
  if (stopped_) return;
  if (busy_) {
    again_ = true;
    return;
  }
  start();
}

void reloader::stop() noexcept {
  stopped_ = true;
  again_ = false;
  // Fails (EBUSY) once the build runs: on_done then discards its result.
  if (busy_) (void)uv_cancel(reinterpret_cast<uv_req_t*>(&req_));
}

void reloader::start() noexcept {
  busy_ = true;
  result_.reset();
  log_.clear();
  req_.data = this;
  if (int r = uv_queue_work(loop_, &req_, on_work, on_done); r < 0) {
    busy_ = false;
    std::fprintf(stderr, "sipdnsd: reload failed: %s\n", uv_strerror(r));
  }
}

void reloader::on_work(uv_work_t* req) noexcept {
  auto* self = static_cast<reloader*>(req->data);
  try {
    self->result_ = self->build_(self->log_);
  } catch (const std::exception& e) {
    self->result_.reset();
    self->log_ += std::string("sipdnsd: error: ") + e.what() + "\n";
  } catch (...) {
    self->result_.reset();
    self->log_ += "sipdnsd: error: unknown exception while reloading\n";
  }
}

void reloader::on_done(uv_work_t* req, int status) noexcept {
  auto* self = static_cast<reloader*>(req->data);
  self->busy_ = false;
  if (status < 0 || self->stopped_) {
    self->result_.reset();
    return;
  }
  std::fputs(self->log_.c_str(), stderr);
  if (self->result_) {
    self->publish_(std::move(self->result_));  // the build logged what it did
  } else {
    std::fprintf(stderr, "sipdnsd: reload failed, still serving the previous zones\n");
  }
  if (self->again_) {
    self->again_ = false;
    self->start();
  }
}

}  // namespace sipdns::net
