// Gathers changes, builds one version at a time, publishes it, releases what loops dropped.
#include "control/pipeline.hpp"

#include <algorithm>
#include <exception>

#include "log/log.hpp"

namespace sipdns::control {
namespace {
// Versions whose changes are kept for IXFR: enough for a secondary that missed a few
// minutes of flapping; an older one gets the whole zone.
constexpr size_t history_limit = 4096;
}  // namespace

struct pipeline::job_state {
  built result;
  std::string log;
};

pipeline::pipeline(build_fn build, hooks h, size_t loops, uint64_t settle_ms)
    : build_(std::move(build)), h_(std::move(h)), settle_ms_(settle_ms), acked_(loops, 0) {}

compile::snapshot_ptr pipeline::first(std::string& log) {
  built b = build_(true, log);
  if (!b.snap) return nullptr;
  std::lock_guard lock(mu_);
  b.snap->generation = generation_ = whole_at_ = 1;
  current_ = b.snap;
  std::fill(acked_.begin(), acked_.end(), 1);
  return b.snap;
}

void pipeline::health_changed() {
  pending_health_ = true;
  if (settle_ms_ == 0) return kick();
  if (building_ || settling_ || stopped_) return;
  settling_ = true;
  h_.after(settle_ms_, [this] {
    settling_ = false;
    kick();
  });
}

void pipeline::drains_changed() {
  pending_now_ = true;
  kick();
}

void pipeline::reload() {
  pending_reload_ = true;
  kick();
}

void pipeline::stop() { stopped_ = true; }

void pipeline::kick() {
  if (building_ || stopped_ || !(pending_reload_ || pending_now_ || pending_health_)) return;
  // Health changes wait out their settle time unless something else starts a build anyway.
  if (settling_ && !pending_reload_ && !pending_now_) return;
  const bool reload = pending_reload_;
  pending_reload_ = pending_now_ = pending_health_ = false;
  building_ = true;
  auto j = std::make_shared<job_state>();
  auto job = [this, j, reload] {
    try {
      j->result = build_(reload, j->log);
    } catch (const std::exception& e) {
      j->result = {};
      log::error("build_failed").kv("error", e.what()).append_to(j->log);
    }
  };
  if (!h_.off_loop(job, [this, j, reload] { on_built(*j, reload); })) {
    building_ = false;
    std::string line;
    log::error("build_failed").kv("msg", "cannot start a rebuild").append_to(line);
    h_.log(line);
  }
}

void pipeline::on_built(job_state& j, bool reload) {
  building_ = false;
  if (stopped_) return;
  if (!j.log.empty()) h_.log(j.log);
  if (j.result.snap) {
    {
      std::lock_guard lock(mu_);
      j.result.snap->generation = ++generation_;
      if (current_) retired_.push_back(std::move(current_));
      current_ = j.result.snap;
      if (j.result.whole) whole_at_ = generation_;
      history_.push_back({generation_, std::move(j.result.changes)});
      if (history_.size() > history_limit) history_.pop_front();
    }
    const uint64_t generation = j.result.snap->generation;
    h_.publish(std::move(j.result.snap));
    h_.published(generation, reload, j.result.cpu_us);
  } else if (reload) {
    std::string line;
    log::error("reload_failed").kv("msg", "still serving the previous zones").append_to(line);
    h_.log(line);
  }
  kick();  // what arrived during the build
}

void pipeline::acked(size_t loop, uint64_t generation) {
  std::vector<compile::snapshot_ptr> done;
  {
    std::lock_guard lock(mu_);
    if (loop >= acked_.size()) return;
    acked_[loop] = std::max(acked_[loop], generation);
    uint64_t oldest = *std::min_element(acked_.begin(), acked_.end());
    while (!retired_.empty() && retired_.front()->generation < oldest) {
      done.push_back(std::move(retired_.front()));
      retired_.pop_front();
    }
  }
  if (!done.empty()) h_.release(std::move(done));
}

uint64_t pipeline::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

size_t pipeline::kept() const {
  std::lock_guard lock(mu_);
  return retired_.size() + (current_ ? 1 : 0);
}

std::optional<std::vector<pipeline::version_change>> pipeline::changes_since(
    uint64_t generation) const {
  std::lock_guard lock(mu_);
  if (generation < whole_at_ || generation > generation_) return std::nullopt;
  if (generation < generation_ &&
      (history_.empty() || history_.front().generation > generation + 1))
    return std::nullopt;
  std::vector<version_change> out;
  for (const version_change& v : history_)
    if (v.generation > generation) out.push_back(v);
  return out;
}

}  // namespace sipdns::control
