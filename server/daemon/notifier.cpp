// NOTIFY to secondaries: one UDP socket per family, a timer for retries.
#include "daemon/notifier.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <span>

#include "log/log.hpp"
#include "wire/name.hpp"
#include "xfr/notify.hpp"

namespace sipdns::daemon {

namespace {
constexpr int max_tries = 6;  // at 0, 1, 2, 4, 8, 16 s

std::string target_text(const net::endpoint& e) {
  char ip[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  if (e.family() == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(e.addr);
    inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
    port = ntohs(a.sin_port);
  } else {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(e.addr);
    inet_ntop(AF_INET6, &a.sin6_addr, ip, sizeof ip);
    port = ntohs(a.sin6_port);
  }
  return std::string(ip) + "#" + std::to_string(port);
}

bool same_address(const sockaddr* a, const net::endpoint& e) {
  if (a->sa_family != e.family()) return false;
  if (a->sa_family == AF_INET) {
    const auto& x = *reinterpret_cast<const sockaddr_in*>(a);
    const auto& y = reinterpret_cast<const sockaddr_in&>(e.addr);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  const auto& x = *reinterpret_cast<const sockaddr_in6*>(a);
  const auto& y = reinterpret_cast<const sockaddr_in6&>(e.addr);
  return x.sin6_port == y.sin6_port &&
         std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
}
}  // namespace

uv::handle_ptr<notifier> notifier::open(uv_loop_t* loop, std::vector<target> targets,
                                        std::string& err) {
  uv::handle_ptr<notifier> n(new notifier(std::move(targets)));
  int r = n->adopt(&n->timer_, uv_timer_init(loop, &n->timer_));
  for (const target& tg : n->targets_) {
    const net::endpoint& t = tg.to;
    if (r < 0) break;
    const bool v6 = t.family() == AF_INET6;
    if (v6 ? n->has6_ : n->has4_) continue;
    uv_udp_t* u = v6 ? &n->udp6_ : &n->udp4_;
    if ((r = n->adopt(u, uv_udp_init_ex(loop, u, unsigned(t.family())))) < 0) break;
    sockaddr_storage any{};
    any.ss_family = sa_family_t(t.family());
    if ((r = uv_udp_bind(u, reinterpret_cast<const sockaddr*>(&any), 0)) < 0 ||
        (r = uv_udp_recv_start(u, on_alloc, on_recv)) < 0)
      break;
    (v6 ? n->has6_ : n->has4_) = true;
  }
  if (r < 0) {
    err = std::string("NOTIFY socket: ") + uv_strerror(r);
    return nullptr;
  }
  return n;
}

void notifier::served(const control::transfer_source& src) noexcept {
  try {
    const uint64_t now = uv_now(timer_.loop);
    for (size_t z = 0; z < src.set->zones.size() && z < src.serials.size(); ++z) {
      const zone::zone& zone = src.set->zones[z];
      const uint32_t serial = src.serials[z];
      auto [it, added] = notified_.try_emplace(zone.origin, serial);
      if (!added && it->second == serial) continue;
      it->second = serial;
      for (size_t t = 0; t < targets_.size(); ++t) {
        pending& p = pending_[{t, zone.origin}];
        p.serial = serial;
        p.id = uint16_t(rng_());
        p.tries = 0;
        p.next_ms = now;
        p.refused = false;
        p.soa = zone.soa;
      }
    }
  } catch (...) {
    log::error("notify_failed").kv("msg", "out of memory").write();
  }
  send_due();
}

void notifier::send_due() noexcept {
  const uint64_t now = uv_now(timer_.loop);
  for (auto& [k, p] : pending_) {
    if (p.next_ms == 0 || p.next_ms > now) continue;
    const net::endpoint& to = targets_[k.first].to;
    if (p.tries == max_tries) {
      log::warning("notify_unanswered")
          .kv("zone", wire::name_to_text(k.second))
          .kv("serial", p.serial)
          .kv("to", target_text(to))
          .kv("tries", max_tries)
          .write();
      p.next_ms = 0;
      continue;
    }
    try {
      xfr::message m = xfr::notify_message(p.id, p.soa, p.serial);
      if (const xfr::tsig_key* key = targets_[k.first].key)
        xfr::tsig_signer(*key, {}, uint64_t(std::time(nullptr))).sign(m);
      uv_buf_t b = uv_buf_init(reinterpret_cast<char*>(m.data()), unsigned(m.size()));
      (void)uv_udp_try_send(to.family() == AF_INET6 ? &udp6_ : &udp4_, &b, 1, to.sa());
    } catch (...) {
    }
    p.sent_ms = now;
    counts_[k.first].sent.fetch_add(1, std::memory_order_relaxed);
    p.next_ms = now + (p.tries == 0 ? 1000 : 1000ull << p.tries);
    p.tries += 1;
  }
  arm();
}

void notifier::arm() noexcept {
  uint64_t next = 0;
  for (const auto& [k, p] : pending_)
    if (p.next_ms && (next == 0 || p.next_ms < next)) next = p.next_ms;
  if (next == 0) {
    (void)uv_timer_stop(&timer_);
    return;
  }
  const uint64_t now = uv_now(timer_.loop);
  (void)uv_timer_start(&timer_, on_timer, next > now ? next - now : 0, 0);
}

void notifier::on_timer(uv_timer_t* t) noexcept { owner_of<notifier>(t->data)->send_due(); }

void notifier::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
  auto* self = owner_of<notifier>(h->data);
  *buf = uv_buf_init(self->buf_, sizeof self->buf_);
}

void notifier::on_recv(uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr* from,
                       unsigned) noexcept {
  if (n <= 0 || from == nullptr) return;
  auto* self = owner_of<notifier>(h->data);
  std::span<const uint8_t> reply(reinterpret_cast<const uint8_t*>(buf->base), size_t(n));
  for (auto& [k, p] : self->pending_) {
    if (p.next_ms == 0 || !same_address(from, self->targets_[k.first].to)) continue;
    const auto a = xfr::read_notify_answer(reply, p.id, k.second);
    if (a == xfr::notify_answer::none) continue;
    p.next_ms = 0;
    p.acked_ms = uv_now(h->loop);
    p.acked_serial = p.serial;
    p.refused = a == xfr::notify_answer::refused;
    auto& c = self->counts_[k.first];
    (p.refused ? c.refused : c.acked).fetch_add(1, std::memory_order_relaxed);
    if (p.refused)
      log::warning("notify_refused")
          .kv("zone", wire::name_to_text(k.second))
          .kv("serial", p.serial)
          .kv("to", target_text(self->targets_[k.first].to))
          .write();
    break;
  }
  self->arm();
}

void notifier::fill(control::status& s) const {
  const uint64_t now = uv_now(timer_.loop);
  // Loop time to wall clock, for people.
  auto wall = [&](uint64_t t) { return t ? s.now_ms - int64_t(now - t) : 0; };
  for (const auto& [k, p] : pending_) {
    std::string result = p.refused                                        ? "refused"
                         : p.acked_ms && p.acked_serial == p.serial      ? "acked"
                         : p.next_ms == 0                                ? "unanswered"
                                                                         : "pending";
    s.notifies.push_back({target_text(targets_[k.first].to), wire::name_to_text(k.second),
                          p.serial, wall(p.sent_ms), result == "acked" ? wall(p.acked_ms) : 0,
                          result});
  }
}

std::vector<notifier::tally> notifier::counts() const {
  std::vector<tally> out;
  for (size_t i = 0; i < targets_.size(); ++i)
    out.push_back({target_text(targets_[i].to), counts_[i].sent.load(std::memory_order_relaxed),
                   counts_[i].acked.load(std::memory_order_relaxed),
                   counts_[i].refused.load(std::memory_order_relaxed)});
  return out;
}

}  // namespace sipdns::daemon
