// Prober thread: schedules probes, feeds results to trackers, logs transitions.
#include "health/monitor.hpp"

#include <cstdio>

namespace sipdns::health {

monitor::monitor(notify_fn notify) : notify_(std::move(notify)) {
  int status = loop_.init();
  if (status == 0) wake_ = uv::async::open(loop_.get(), [this] { on_wake(); }, status);
  if (status == 0) timer_ = uv::timer::open(loop_.get(), [this] { schedule(); }, status);
  if (status < 0) {
    error_ = std::string("health prober: ") + uv_strerror(status);
    std::lock_guard lock(mu_);
    stop_ = true;  // configure() ignores checks; stop() has no thread to join
    wake_.reset();
    timer_.reset();
    return;  // ~loop closes what was opened
  }
  runner_ = std::make_unique<probe_runner>(loop_.get());
  thread_ = std::thread([this] { run(); });
}

monitor::~monitor() { stop(); }

void monitor::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    if (wake_) (void)wake_->send();  // fails only on a closing handle: then it is stopping
  }
  thread_.join();
}

void monitor::run() noexcept {
  loop_.run();
  runner_.reset();
  loop_.run();  // let the runner's own handles close; ~monitor closes the loop
}

void monitor::configure(std::vector<check_spec> checks) {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;  // the loop is gone; nothing will probe again
    pending_ = std::move(checks);
    has_pending_ = true;
    (void)wake_->send();  // under the lock, so on_wake cannot close the handle meanwhile
  }
}

uint64_t monitor::jitter(uint32_t span_ms) noexcept {
  return span_ms ? rng_() % span_ms : 0;
}

void monitor::on_wake() noexcept {
  if (stop_) {
    runner_->close_all();
    std::lock_guard lock(mu_);
    timer_.reset();
    wake_.reset();
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (!has_pending_) return;
    has_pending_ = false;
    std::map<std::string, entry> next;
    uint64_t now = uv_now(loop_.get());
    for (check_spec& spec : pending_) {
      auto old = entries_.find(spec.key);
      if (old != entries_.end()) {
        entry e = std::move(old->second);
        e.spec = std::move(spec);
        next.emplace(e.spec.key, std::move(e));
      } else {
        entry e;
        // First round right away, spread over a quarter interval (at most 250 ms).
        e.track.set_next_due_ms(now + jitter(std::min<uint32_t>(spec.time.interval_ms / 4, 250)));
        e.spec = std::move(spec);
        next.emplace(e.spec.key, std::move(e));
      }
    }
    pending_.clear();
    entries_ = std::move(next);
  }
  schedule();
}

void monitor::schedule() noexcept {
  if (stop_) return;
  uint64_t now = uv_now(loop_.get());
  uint64_t earliest = UINT64_MAX;
  std::vector<std::pair<std::string, probe_target>> due;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, e] : entries_) {
      if (e.in_flight) continue;
      if (e.track.next_due_ms() <= now) {
        e.in_flight = true;
        due.emplace_back(key, e.spec.target);
      } else {
        earliest = std::min(earliest, e.track.next_due_ms());
      }
    }
  }
  // Started without the lock: a probe may report at once (e.g. an immediate connect error).
  for (auto& [key, target] : due) launch(key, target);
  timer_->stop();
  // A timer that cannot start (only on a closing loop) leaves the next round to a result.
  if (earliest != UINT64_MAX) (void)timer_->start(earliest - now);
}

void monitor::launch(const std::string& key, const probe_target& target) noexcept {
  runner_->start(target, [this, key](const probe_result& r) { on_result(key, r); });
}

void monitor::on_result(const std::string& key, const probe_result& r) noexcept {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;  // removed by a reload while in flight
    entry& e = it->second;
    e.in_flight = false;
    uint64_t now = uv_now(loop_.get());
    if (auto tr = e.track.on_result(r, now, e.spec.time)) {
      std::fprintf(stderr, "sipdnsd: health: %s %s -> %s (%s, %u ms)\n", e.spec.label.c_str(),
                   to_string(tr->from), to_string(tr->to), r.reason.c_str(), r.latency_ms);
      changed = true;
    }
    // Up to 10% earlier keeps the checks of many peers from lining up into bursts, and never
    // later, which would stretch the failover bound.
    uint64_t wait = e.track.next_due_ms() > now ? e.track.next_due_ms() - now : 0;
    e.track.set_next_due_ms(e.track.next_due_ms() - jitter(uint32_t(wait / 10)));
  }
  if (changed && notify_) notify_();
  schedule();
}

std::map<std::string, state> monitor::states() const {
  std::lock_guard lock(mu_);
  std::map<std::string, state> out;
  for (const auto& [key, e] : entries_) out.emplace(key, e.track.current());
  return out;
}

std::vector<check_status> monitor::status() const {
  std::lock_guard lock(mu_);
  std::vector<check_status> out;
  for (const auto& [key, e] : entries_)
    out.push_back({e.spec.label, e.spec.probe_text, e.track.current(), e.track.probed(),
                   e.track.reason(), e.track.latency_ms()});
  return out;
}

}  // namespace sipdns::health
