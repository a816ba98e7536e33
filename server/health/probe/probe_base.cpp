// The life cycle every probe shares: timeout, one result, deletion after the last close.
#include "health/probe/probe_base.hpp"

#include <array>

#include <utility>

namespace sipdns::health::detail {

uv_buf_t read_buffer() noexcept {
  thread_local std::array<char, 64 * 1024> buffer;
  return uv_buf_init(buffer.data(), static_cast<unsigned>(buffer.size()));
}

void probe_list::link(probe_base* p) noexcept {
  p->list_ = this;
  p->prev_ = nullptr;
  p->next_ = head;
  if (head != nullptr) head->prev_ = p;
  head = p;
  ++count;
}

void probe_list::unlink(probe_base* p) noexcept {
  if (p->prev_ != nullptr)
    p->prev_->next_ = p->next_;
  else
    head = p->next_;
  if (p->next_ != nullptr) p->next_->prev_ = p->prev_;
  p->prev_ = p->next_ = nullptr;
  p->list_ = nullptr;
  --count;
}

probe_base::probe_base(uv_loop_t* loop, probe_list& list, probe_runner::callback done,
                       uint32_t timeout_ms)
    : loop_(loop), list_(nullptr), done_(std::move(done)), timeout_ms_(timeout_ms) {
  timer_ok_ = adopt(&timer_, uv_timer_init(loop, &timer_)) == 0;
  list.link(this);
}

void probe_base::start() noexcept {
  // The loop's cached time may be stale if the caller did work since the last poll; the
  // timeout counts from now.
  uv_update_time(loop_);
  started_ns_ = uv_hrtime();
  if (!timer_ok_ || uv_timer_start(&timer_, on_timeout, timeout_ms_, 0) < 0) {
    // Only a broken loop gets here: with no timer there is nothing to defer the result on,
    // so it is reported now (the monitor launches probes without holding its lock).
    finish({outcome::down, "cannot start the probe's timer", 0, std::nullopt});
    return;
  }
  begin();
}

void probe_base::finish_soon(probe_result r) noexcept {
  if (finished_ || pending_) return;
  pending_ = std::move(r);
  if (uv_timer_start(&timer_, on_timeout, 0, 0) < 0) finish(std::move(*pending_));
}

void probe_base::on_timeout(uv_timer_t* t) noexcept {
  auto* self = static_cast<probe_base*>(t->data);
  if (self->pending_) {
    self->finish(std::move(*self->pending_));
    return;
  }
  self->finish({outcome::down, "timeout", 0, std::nullopt});
}

void probe_base::finish(probe_result r) noexcept {
  if (finished_) return;
  r.latency_ms = static_cast<uint32_t>((uv_hrtime() - started_ns_ + 500'000) / 1'000'000);
  auto done = std::move(done_);
  shut();
  // The probe stays alive until its close callbacks run, so `done` may even destroy the
  // runner. It must not throw: it runs inside a libuv callback.
  if (done) done(r);
}

void probe_base::cancel() noexcept { shut(); }

void probe_base::shut() noexcept {
  if (finished_) return;
  finished_ = true;
  done_ = nullptr;
  if (list_ != nullptr) list_->unlink(this);
  if (timer_ok_) uv_timer_stop(&timer_);
  release();
  close_handles();  // the last close callback deletes this probe
}

}  // namespace sipdns::health::detail
