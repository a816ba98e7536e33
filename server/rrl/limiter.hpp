// Response rate limiting (RRL) for UDP: decides per reply whether to send it, send a truncated
// one in its place (slip), or drop it.
//
// Design (after BIND's rate-limit, Knot's rrl module and NSD's rrl-* options): replies are
// accounted per key = (client prefix, response class, name[, qtype]); each key has a credit
// balance refilled by `rate` per second up to `rate`. A reply costs one credit; with none left
// it is limited, and the balance keeps falling (to at most (window - 1) * rate of debt), so a
// client whose average over `window` seconds stays above the rate stays limited, and one that
// stops is answered again at most `window` seconds later. Every `slip`-th limited reply of a
// key goes out truncated (TC=1, question only) so that a real client retries over TCP; the
// others are dropped, which is what starves a reflection attack.
//
// The table is allocated once, in the constructor: fixed-size buckets of 4 entries, the oldest
// entry of a bucket replaced when a new key arrives. check() allocates nothing, takes no lock
// and writes no log line except when a prefix starts being limited. A limiter belongs to one
// event loop (one UDP socket) and is used from that thread only; the counters are atomics so
// that `totals()` may read them from any thread.
#pragma once
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wire/prefix.hpp"
#include "wire/reply.hpp"

namespace sipdns::rrl {

struct config {
  uint32_t rate = 0;            // replies per second per key; 0 = RRL off
  uint32_t slip = 2;            // every slip-th limited reply is truncated; 0 = drop all
  uint32_t window = 5;          // seconds; see the design note
  uint8_t ipv4_prefix = 24;     // client bits that make the key (BIND's defaults)
  uint8_t ipv6_prefix = 56;
  uint32_t table_size = 65536;  // entries per table (rounded up to a power of two)
  std::vector<wire::prefix> exempt;   // never limited

  bool enabled() const noexcept { return rate > 0; }
};

// How a reply is accounted (BIND's classes; NODATA counts as an answer for its name).
enum class response_class : uint8_t { answer, nxdomain, referral, error };

enum class verdict : uint8_t { send, slip, drop };

struct counters {
  uint64_t limited = 0;  // slipped + dropped
  uint64_t slipped = 0;
  uint64_t dropped = 0;
};

// The daemon's totals over all its limiters (one per UDP socket, on several threads). The
// daemon owns one and hands it to every limiter, which adds what it limits; `sipdns status`
// reads it. Relaxed atomics: only limited replies touch it.
struct tally {
  std::atomic<uint64_t> slipped{0}, dropped{0};
  counters read() const noexcept;
};

class limiter {
 public:
  // `seed` keys the hash (random when 0) so that clients cannot aim at one bucket. `log`
  // receives one line when a prefix starts being limited and one when it stops (nullptr =
  // silent). `sink`, when set, receives every count as well (it must outlive the limiter).
  limiter(const config& cfg, std::FILE* log, uint64_t seed = 0, tally* sink = nullptr);
  limiter(const limiter&) = delete;
  limiter& operator=(const limiter&) = delete;

  // The verdict for `reply` (a response we wrote) to `peer` at `now_s` (seconds of a
  // monotonic clock). `info` is what answer::respond said of it: the key's class and name
  // come from there (the name's bytes from the reply's question), nothing is parsed.
  verdict check(const sockaddr* peer, std::span<const uint8_t> reply,
                const wire::reply_info& info, uint32_t now_s) noexcept;

  // Rewrites `reply` in place into the slip form: same ID, flags and rcode with TC set, the
  // question echoed (it ends at info.question_end), no records (no OPT either). Returns the
  // new length.
  static size_t truncate(std::span<uint8_t> reply, const wire::reply_info& info) noexcept;

  // Ends (and logs) the limiting episodes of prefixes not limited for `window` seconds. Call
  // about once a second; cheap (a scan of a few slots).
  void tick(uint32_t now_s) noexcept;

  counters counts() const noexcept;  // this limiter's own
  size_t table_entries() const noexcept { return mask_ + 1; }
  size_t active_episodes() const noexcept;

 private:
  struct entry {
    uint64_t key = 0;  // 0 = free
    int64_t balance = 0;  // credits; negative = debt
    uint32_t stamp = 0;    // second of the last refill
    uint32_t limited = 0;  // limited replies so far, for the slip ratio
  };
  // A prefix being limited, remembered only to log the start and end of the episode.
  struct episode {
    bool active = false;
    uint8_t client[17]{};  // family byte + prefix bytes
    uint32_t start = 0, last = 0;
    uint64_t slipped = 0, dropped = 0;
  };
  static constexpr size_t bucket = 4;
  static constexpr size_t max_episodes = 32;

  void client_key(const sockaddr* peer, uint8_t out[17]) const noexcept;
  entry& find(uint64_t key, uint32_t now_s) noexcept;
  void note_limited(const uint8_t client[17], uint32_t now_s, bool slipped) noexcept;

  config cfg_;
  std::FILE* log_;
  uint64_t seed_;
  size_t mask_;  // table size - 1 (the table is a power of two, whole buckets)
  std::unique_ptr<entry[]> table_;
  episode episodes_[max_episodes];
  std::atomic<uint64_t> slipped_{0}, dropped_{0};
  tally* sink_;
};

}  // namespace sipdns::rrl
