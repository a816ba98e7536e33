// FUZZ_CHECK: an invariant the fuzzer must never break. A failure prints what broke and aborts,
// which libFuzzer reports as a crash (saving the input) and the plain replay as a failed test.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

// A byte stream cut into messages by a framer (the reference each target compares against):
// the whole messages, and whether the framer gave up on malformed bytes.
struct stream_split {
  std::vector<std::string_view> messages;
  bool malformed = false;
};

// Feeds `stream` to a probe exchange's on_stream in pseudo-random chunks (seeded by `rng`), as
// TCP and TLS deliver reads, until it decides; the undecided inbox stays below `max_inbox`.
template <class Exchange>
auto feed_in_chunks(Exchange& ex, std::string_view stream, uint32_t rng, size_t max_inbox)
    -> decltype(ex.on_stream(std::declval<std::string&>())) {
  std::string inbox;
  size_t fed = 0;
  while (fed < stream.size()) {
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    // Mostly small reads (every split point gets tried), sometimes a larger one; a read of
    // the whole rest would end the small ones early in a long stream.
    size_t chunk = rng % 8 ? 1 + (rng >> 8) % 16 : 1 + (rng >> 8) % 2048;
    chunk = std::min(chunk, stream.size() - fed);
    inbox.append(stream.substr(fed, chunk));
    fed += chunk;
    if (auto v = ex.on_stream(inbox)) return v;
    FUZZ_CHECK(inbox.size() < max_inbox);  // undecided: one incomplete message at most
  }
  return {};
}
