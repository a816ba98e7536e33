// Response rate limiting: reply keys, the credit table, slip and episode logging.
#include "rrl/limiter.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>

#include "log/log.hpp"
#include "wire/constants.hpp"

namespace sipdns::rrl {
namespace {

using wire::get16;
using wire::put16;

// BIND's classes: NODATA counts as an answer for its name.
response_class class_of(wire::reply_kind kind) {
  switch (kind) {
    case wire::reply_kind::answer:
    case wire::reply_kind::nodata: return response_class::answer;
    case wire::reply_kind::nxdomain: return response_class::nxdomain;
    case wire::reply_kind::referral: return response_class::referral;
    case wire::reply_kind::error: break;
  }
  return response_class::error;
}

// The splitmix64 finaliser: spreads the FNV state over every bit of the bucket index.
uint64_t mix(uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

constexpr uint64_t fnv_prime = 0x100000001b3ULL;

uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? uint8_t(c | 0x20) : c; }

}  // namespace

counters tally::read() const noexcept {
  uint64_t s = slipped.load(std::memory_order_relaxed);
  uint64_t d = dropped.load(std::memory_order_relaxed);
  return {s + d, s, d};
}

limiter::limiter(const config& cfg, std::FILE* log, uint64_t seed, tally* sink)
    : cfg_(cfg), log_(log), seed_(seed), sink_(sink) {
  if (seed_ == 0) seed_ = (uint64_t(std::random_device{}()) << 32) | std::random_device{}();
  size_t size = bucket;
  while (size < cfg_.table_size) size <<= 1;
  mask_ = size - 1;
  table_.reset(new entry[size]);
  if (cfg_.window == 0) cfg_.window = 1;
}

counters limiter::counts() const noexcept {
  uint64_t s = slipped_.load(std::memory_order_relaxed);
  uint64_t d = dropped_.load(std::memory_order_relaxed);
  return {s + d, s, d};
}

size_t limiter::active_episodes() const noexcept {
  return size_t(std::count_if(std::begin(episodes_), std::end(episodes_),
                              [](const episode& e) { return e.active; }));
}

void limiter::client_key(const sockaddr* peer, uint8_t out[17]) const noexcept {
  std::memset(out, 0, 17);
  out[0] = uint8_t(peer->sa_family);
  if (peer->sa_family == AF_INET) {
    std::memcpy(out + 1, &reinterpret_cast<const sockaddr_in*>(peer)->sin_addr, 4);
    wire::mask_bits(out + 1, 4, cfg_.ipv4_prefix);
  } else if (peer->sa_family == AF_INET6) {
    std::memcpy(out + 1, reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr.s6_addr, 16);
    wire::mask_bits(out + 1, 16, cfg_.ipv6_prefix);
  }
}

limiter::entry& limiter::find(uint64_t key, uint32_t now_s) noexcept {
  entry* b = &table_[key & mask_ & ~uint64_t(bucket - 1)];
  entry* victim = b;
  for (size_t i = 0; i < bucket; ++i) {
    if (b[i].key == key) return b[i];
    // A free slot, else the one refilled longest ago (the key least likely to be limited).
    if (victim->key != 0 && (b[i].key == 0 || now_s - b[i].stamp > now_s - victim->stamp))
      victim = &b[i];
  }
  *victim = {key, int64_t(cfg_.rate), now_s, 0};
  return *victim;
}

verdict limiter::check(const sockaddr* peer, std::span<const uint8_t> r,
                       const wire::reply_info& info, uint32_t now_s) noexcept {
  for (const wire::prefix& p : cfg_.exempt)
    if (p.contains(peer)) return verdict::send;

  // The answer path says what the reply is and which name it speaks for: the QNAME for
  // answers, the zone for NXDOMAIN and the cut for referrals, so that random subdomains
  // (a.example., b.example., ...) share one key (BIND does the same). Errors: one key per
  // client prefix, whatever names are asked.
  const response_class cls = class_of(info.kind);
  const size_t name_end = info.question_end - wire::question_fixed_size;  // past the root
  const bool named = cls != response_class::error && info.name_at >= wire::header_size &&
                     info.name_at < name_end && info.question_end <= r.size();

  uint8_t client[17];
  client_key(peer, client);
  uint64_t h = seed_ ^ (uint64_t(cls) + 1) * 0x9e3779b97f4a7c15ULL;
  for (uint8_t c : client) h = (h ^ c) * fnv_prime;
  if (named)
    for (size_t i = info.name_at; i < name_end; ++i) h = (h ^ lower(r[i])) * fnv_prime;
  if (cls == response_class::answer && named) h = (h ^ info.qtype) * fnv_prime;
  uint64_t key = mix(h);
  if (key == 0) key = 1;

  entry& e = find(key, now_s);
  const int64_t rate = cfg_.rate;
  if (uint32_t elapsed = now_s - e.stamp; elapsed > 0) {
    int64_t refill = int64_t(std::min(elapsed, cfg_.window + 1)) * rate;
    e.balance = std::min(rate, e.balance + refill);
    e.stamp = now_s;
  }
  if (e.balance > 0) {
    --e.balance;
    return verdict::send;
  }
  // Over the rate: the debt grows with every reply asked for, up to (window - 1) seconds of
  // credit, so that `window` quiet seconds always clear it.
  e.balance = std::max(e.balance - 1, -int64_t(cfg_.window - 1) * rate);
  ++e.limited;
  bool slip = cfg_.slip != 0 && e.limited % cfg_.slip == 0;
  note_limited(client, now_s, slip);
  return slip ? verdict::slip : verdict::drop;
}

size_t limiter::truncate(std::span<uint8_t> r, const wire::reply_info& info) noexcept {
  namespace at = wire::header;
  if (r.size() < wire::header_size || info.question_end > r.size()) return r.size();
  uint8_t* flags = r.data() + at::flags;
  put16(flags, uint16_t(get16(flags) | wire::flag::tc));
  put16(r.data() + at::qdcount, info.question_end > wire::header_size ? 1 : 0);
  put16(r.data() + at::ancount, 0), put16(r.data() + at::nscount, 0);
  put16(r.data() + at::arcount, 0);
  return info.question_end;
}

void limiter::note_limited(const uint8_t client[17], uint32_t now_s, bool slipped) noexcept {
  (slipped ? slipped_ : dropped_).fetch_add(1, std::memory_order_relaxed);
  if (sink_) (slipped ? sink_->slipped : sink_->dropped).fetch_add(1, std::memory_order_relaxed);
  episode* free_slot = nullptr;
  for (episode& ep : episodes_) {
    if (ep.active && std::memcmp(ep.client, client, 17) == 0) {
      ep.last = now_s;
      ++(slipped ? ep.slipped : ep.dropped);
      return;
    }
    if (!ep.active && !free_slot) free_slot = &ep;
  }
  // More prefixes limited at once than slots: counted in the totals, not logged.
  if (!free_slot) return;
  episode& ep = *free_slot;
  ep.active = true;
  std::memcpy(ep.client, client, 17);
  ep.start = ep.last = now_s;
  ep.slipped = slipped ? 1 : 0;
  ep.dropped = slipped ? 0 : 1;
  if (!log_) return;
  wire::prefix p{client[0], {}, uint8_t(client[0] == AF_INET ? cfg_.ipv4_prefix : cfg_.ipv6_prefix)};
  std::memcpy(p.bytes, client + 1, 16);
  char addr[INET6_ADDRSTRLEN + 4];
  inet_ntop(p.family, p.bytes, addr, INET6_ADDRSTRLEN);
  std::snprintf(addr + std::strlen(addr), 5, "/%u", unsigned(p.length));
  // Once per episode, from the loop thread: the line is formatted on the stack.
  std::fflush(log_);
  log::info("rrl_limiting").kv("prefix", addr).kv("rate", cfg_.rate).kv("slip", cfg_.slip)
      .write(fileno(log_));
}

void limiter::tick(uint32_t now_s) noexcept {
  for (episode& ep : episodes_) {
    if (!ep.active || now_s - ep.last < cfg_.window) continue;
    ep.active = false;
    if (!log_) continue;
    char addr[INET6_ADDRSTRLEN + 4];
    inet_ntop(ep.client[0], ep.client + 1, addr, INET6_ADDRSTRLEN);
    unsigned length = ep.client[0] == AF_INET ? cfg_.ipv4_prefix : cfg_.ipv6_prefix;
    std::snprintf(addr + std::strlen(addr), 5, "/%u", length);
    std::fflush(log_);
    log::info("rrl_stopped")
        .kv("prefix", addr)
        .kv("seconds", ep.last - ep.start + 1)
        .kv("truncated", ep.slipped)
        .kv("dropped", ep.dropped)
        .write(fileno(log_));
  }
}

}  // namespace sipdns::rrl
