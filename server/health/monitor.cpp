// Prober thread: schedules probes, feeds results to trackers, logs transitions.
#include "health/monitor.hpp"

#include <chrono>
#include <cstdio>
#include <unordered_map>

#include "log/log.hpp"
#include "log/thread_name.hpp"

namespace sipdns::health {
namespace {
// The prober's wake-up slot: a probe starts at most this much after it is due.
constexpr uint64_t batch_ms = 10;
// Status times are for people: wall clock, read only when a verdict or a configuration
// lands, never per query.
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

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
  thread_ = std::thread([this] {
    log::name_this_thread("prober");
    run();
  });
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

uint64_t monitor::configure(std::vector<check_spec> checks) {
  std::lock_guard lock(mu_);
  configured_ += 1;
  if (stop_) return configured_;  // the loop is gone; nothing will probe again
  pending_ = std::move(checks);
  has_pending_ = true;
  (void)wake_->send();  // under the lock, so on_wake cannot close the handle meanwhile
  return configured_;
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
  apply_pending();
  runner_->forget_idle_endpoints();
  schedule();
}

// Takes the last configure()'s checks: states of equal keys are kept; probes in flight
// belong to the old epoch, and their results are dropped (the check is due again at once).
void monitor::apply_pending() noexcept {
  std::lock_guard lock(mu_);
  if (!has_pending_) return;
  has_pending_ = false;
  // Keys are copied: a reload is rare, and views would follow moved strings.
  std::unordered_map<std::string, uint32_t> old_index, new_index;
  for (uint32_t i = 0; i < entries_.size(); ++i) old_index.emplace(entries_[i].spec.key, i);
  std::vector<entry> next;
  std::vector<uint32_t> slots;
  const uint64_t now = uv_now(loop_.get());
  for (check_spec& spec : pending_) {
    if (auto it = new_index.find(spec.key); it != new_index.end()) {
      slots.push_back(it->second);  // the same probe of the same endpoint: one state
      continue;
    }
    entry e;
    if (auto old = old_index.find(spec.key); old != old_index.end()) {
      e = std::move(entries_[old->second]);
      e.in_flight = false;
    } else {
      // First round right away, spread over a quarter interval (at most 250 ms).
      e.track.set_next_due_ms(now + jitter(std::min<uint32_t>(spec.time.interval_ms / 4, 250)));
      e.since_ms = wall_ms();
    }
    e.spec = std::move(spec);
    e.target = std::make_shared<const probe_target>(e.spec.target);
    slots.push_back(uint32_t(next.size()));
    new_index.emplace(e.spec.key, slots.back());
    next.push_back(std::move(e));
  }
  pending_.clear();
  taken_ = configured_;
  entries_ = std::move(next);
  slot_of_ = std::move(slots);
  epoch_ += 1;
  queue_.clear();
  for (uint32_t i = 0; i < entries_.size(); ++i)
    queue_.push({entries_[i].track.next_due_ms(), i, epoch_});
}

void monitor::schedule() noexcept {
  if (stop_) return;
  const uint64_t now = uv_now(loop_.get());
  due_.clear();
  queue_.pop_due(now, due_);
  for (const due_queue::item& it : due_) {
    if (it.epoch != epoch_) continue;
    entry& e = entries_[it.check];
    if (e.in_flight || e.track.next_due_ms() != it.due_ms) continue;  // superseded
    {
      std::lock_guard lock(mu_);
      e.in_flight = true;
    }
    // Without the lock: a probe may report at once (e.g. an immediate connect error). The
    // entry stays put: only this thread changes entries_, and not while probes start.
    runner_->start(e.target, [this, i = it.check, ep = it.epoch](const probe_result& r) {
      on_result(i, ep, r);
    });
  }
  timer_->stop();
  // A timer that cannot start (only on a closing loop) leaves the next round to a result.
  // Probes due within one slot start together: one wake-up of this thread per slot instead
  // of one per probe, which is what a probe cost most (a context switch, on a VM above all).
  if (uint64_t next = queue_.next_due(); next != UINT64_MAX) {
    next = (next + batch_ms - 1) / batch_ms * batch_ms;
    (void)timer_->start(next > now ? next - now : 0);
  }
}

void monitor::on_result(uint32_t index, uint32_t epoch, const probe_result& r) noexcept {
  if (epoch != epoch_ || index >= entries_.size()) return;  // a reload replaced the check
  bool changed = false;
  entry& e = entries_[index];
  stats_.add(e.spec.target.kind, r);
  {
    std::lock_guard lock(mu_);
    e.in_flight = false;
    uint64_t now = uv_now(loop_.get());
    const bool first = !e.track.probed();
    e.last_probe_ms = wall_ms();
    if (auto tr = e.track.on_result(r, now, e.spec.time)) {
      log::info("peer_state")
          .kv("peer", e.spec.host)
          .kv("service", e.spec.services)
          .kv("from", to_string(tr->from))
          .kv("to", to_string(tr->to))
          .kv("reason", r.reason)
          .kv("ms", r.latency_ms)
          .write();
      changed = true;
      changes_ += 1;
      recent_.push_back({e.last_probe_ms, e.spec.host, e.spec.services, to_string(tr->from),
                         to_string(tr->to), r.reason});
      if (recent_.size() > recent_limit) recent_.pop_front();
    }
    // The first verdict ends "not probed yet" (unknown) even when it confirms up.
    if (changed || first) e.since_ms = e.last_probe_ms;
    uint64_t due = e.track.next_due_ms();
    if (!e.spread) {
      e.spread = true;
      due = std::min(due, now + spread_delay_ms(e.spec.time.interval_ms, rng_()));
    } else {
      // Up to 10% earlier keeps the checks of many peers from lining up into bursts, and
      // never later, which would stretch the failover bound.
      uint64_t wait = due > now ? due - now : 0;
      due -= jitter(uint32_t(wait / 10));
    }
    e.track.set_next_due_ms(due);
  }
  queue_.push({e.track.next_due_ms(), index, epoch_});
  if (changed && notify_) notify_();
  schedule();
}

std::map<std::string, state> monitor::states() const {
  std::lock_guard lock(mu_);
  std::map<std::string, state> out;
  for (const entry& e : entries_) out.emplace(e.spec.key, e.track.current());
  return out;
}

std::vector<state> monitor::state_vector(uint64_t& config) const {
  std::lock_guard lock(mu_);
  config = taken_;
  std::vector<state> out;
  out.reserve(slot_of_.size());
  for (uint32_t i : slot_of_) out.push_back(entries_[i].track.current());
  return out;
}

std::vector<check_status> monitor::status() const {
  std::lock_guard lock(mu_);
  std::vector<check_status> out;
  for (const entry& e : entries_)
    out.push_back({e.spec.label, e.spec.probe_text, e.track.current(), e.track.probed(),
                   e.track.reason(), e.track.latency_ms(), e.spec.key, e.since_ms,
                   e.last_probe_ms, e.track.last_result()});
  return out;
}

std::vector<transition_record> monitor::recent() const {
  std::lock_guard lock(mu_);
  return {recent_.begin(), recent_.end()};
}

}  // namespace sipdns::health
