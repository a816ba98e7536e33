// Timer, async and signal wrappers over handle_owner.
#include "uv/callbacks.hpp"

#include <cstdio>
#include <exception>

#include "log/log.hpp"

namespace sipdns::uv {

void log_callback_error(const char* what, const std::exception_ptr& e) noexcept {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log::error("callback_failed").kv("in", what).kv("error", x.what()).write();
  } catch (...) {
    log::error("callback_failed").kv("in", what).write();
  }
}

handle_ptr<timer> timer::open(uv_loop_t* loop, callback cb, int& status) {
  handle_ptr<timer> t(new timer(std::move(cb)));
  status = t->adopt(&t->handle_, uv_timer_init(loop, &t->handle_));
  return status < 0 ? nullptr : std::move(t);
}

int timer::start(uint64_t timeout_ms, uint64_t repeat_ms) noexcept {
  return uv_timer_start(
      &handle_,
      [](uv_timer_t* h) noexcept { call_logged("timer", owner_of<timer>(h->data)->cb_); },
      timeout_ms, repeat_ms);
}

handle_ptr<async> async::open(uv_loop_t* loop, callback cb, int& status) {
  handle_ptr<async> a(new async(std::move(cb)));
  status = a->adopt(&a->handle_, uv_async_init(loop, &a->handle_, [](uv_async_t* h) noexcept {
    call_logged("wake-up", owner_of<async>(h->data)->cb_);
  }));
  return status < 0 ? nullptr : std::move(a);
}

handle_ptr<signal> signal::open(uv_loop_t* loop, int signum, handler cb, int& status) {
  handle_ptr<signal> s(new signal(std::move(cb)));
  status = s->adopt(&s->handle_, uv_signal_init(loop, &s->handle_));
  if (status < 0) return nullptr;
  status = uv_signal_start(
      &s->handle_,
      [](uv_signal_t* h, int signum) noexcept {
        auto* self = owner_of<signal>(h->data);
        call_logged("signal handler", [&] { self->cb_(signum); });
      },
      signum);
  return status < 0 ? nullptr : std::move(s);
}

}  // namespace sipdns::uv
