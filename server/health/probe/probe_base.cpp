// The life cycle every probe shares: timeout, one result, deletion after the last close.
#include "health/probe/probe_base.hpp"

#include <utility>

namespace sipdns::health::detail {

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
  uv_timer_init(loop, &timer_);  // cannot fail for a valid loop
  timer_.data = static_cast<probe_base*>(this);
  open_handles_ = 1;
  list.link(this);
}

void probe_base::start() noexcept {
  // The loop's cached time may be stale if the caller did work since the last poll; the
  // timeout counts from now.
  uv_update_time(loop_);
  started_ns_ = uv_hrtime();
  uv_timer_start(&timer_, on_timeout, timeout_ms_, 0);
  begin();
}

void probe_base::finish_soon(probe_result r) noexcept {
  if (finished_ || pending_) return;
  pending_ = std::move(r);
  uv_timer_start(&timer_, on_timeout, 0, 0);
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
  uv_timer_stop(&timer_);
  close_handle(&timer_);
  close_own_handles();
}

void probe_base::on_handle_closed(uv_handle_t* h) noexcept {
  auto* self = static_cast<probe_base*>(h->data);
  if (--self->open_handles_ == 0) delete self;
}

}  // namespace sipdns::health::detail
