// SIP OPTIONS and STUN over a kept-open TCP connection, with one reconnect.
#include "health/probe/link_probe.hpp"

#include <utility>

namespace sipdns::health::detail {

namespace {
probe_result down(std::string reason) {
  return {outcome::down, std::move(reason), 0, std::nullopt};
}
// As stream_probe words them, so a check reads the same whichever way it was carried.
std::string lost_reason(int status) {
  if (status == UV_ECONNREFUSED) return "connection refused";
  if (status == UV_EOF) return "connection closed";
  if (status == UV_EPIPE || status == UV_ECONNRESET) return "connection reset";
  return uv_strerror(status);
}
}  // namespace

link_probe::link_probe(uv_loop_t* loop, probe_list& list, probe_runner::callback done,
                       const probe_target& target, std::unique_ptr<exchange> ex,
                       tcp_links& links)
    : probe_base(loop, list, std::move(done), target.timeout_ms),
      address_(target.address),
      exchange_(std::move(ex)),
      links_(&links) {}

void link_probe::begin() noexcept { (void)take_link(); }

bool link_probe::take_link() noexcept {
  int status = 0;
  try {
    link_ = links_->get(address_, own_, status);
  } catch (...) {
    status = UV_ENOMEM;
  }
  if (link_ == nullptr) {
    finish_soon(down(lost_reason(status)));
    return false;
  }
  reused_ = link_->reused();
  link_->attach(this);  // calls on_open at once when the link is open
  return true;
}

void link_probe::let_go() noexcept {
  if (link_ != nullptr) link_->detach(this, answered_);
  link_ = nullptr;
  own_.reset();
}

void link_probe::release() noexcept { let_go(); }

void link_probe::on_open(const sockaddr_storage& local) noexcept {
  if (finished()) return;
  int r = UV_ENOMEM;
  try {
    r = link_->write(exchange_->request(local));
  } catch (...) {
  }
  // From the loop: on_open may run inside start().
  if (r < 0) finish_soon(down(lost_reason(r)));
}

void link_probe::on_bytes(std::string& inbox) noexcept {
  if (finished()) return;
  heard_ = true;
  try {
    if (auto v = exchange_->on_stream(inbox)) {
      answered_ = true;
      finish(std::move(*v));
    }
  } catch (...) {
    finish(down("out of memory"));
  }
}

void link_probe::on_lost(int status) noexcept {
  if (finished()) return;
  if (reused_ && !heard_ && !retried_) {
    retried_ = true;  // most likely an idle connection the peer closed: connect afresh
    let_go();
    (void)take_link();
    return;
  }
  finish(down(lost_reason(status)));
}

}  // namespace sipdns::health::detail
