// Fuzz target: net::next_frame on a byte stream that arrives in random chunk sizes, driven the
// way tcp_connection drives it (a fixed 2 + max_query read buffer, complete frames consumed,
// the rest moved to the front). The frames must equal a reference split of the whole stream,
// a bad length must be seen exactly where the reference sees it, and the buffer must never
// fill up without a complete frame (on_alloc would then offer libuv zero bytes).
//
// Input: two bytes seed the chunk sizes, the rest is the stream.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "check.hpp"
#include "net/tcp.hpp"
#include "net/tcp_frames.hpp"

namespace {
using namespace sipdns::net;

constexpr size_t max_len = tcp_connection::max_query;

struct split {
  std::vector<std::vector<uint8_t>> frames;
  bool bad = false;
};

// The obvious reading of RFC 1035 4.2.2 over the whole stream at once.
split reference(std::span<const uint8_t> s) {
  split r;
  size_t off = 0;
  while (s.size() - off >= 2) {
    size_t n = size_t(s[off]) << 8 | s[off + 1];
    if (n == 0 || n > max_len) {
      r.bad = true;
      break;
    }
    if (s.size() - off - 2 < n) break;
    r.frames.emplace_back(s.begin() + off + 2, s.begin() + off + 2 + n);
    off += 2 + n;
  }
  return r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint32_t rng = (uint32_t(data[0]) << 8 | data[1]) * 2654435761u + 1;
  const std::span<const uint8_t> stream(data + 2, size - 2);

  std::array<uint8_t, 2 + max_len> buf;
  size_t len = 0, fed = 0;
  split got;
  while (fed < stream.size() && !got.bad) {
    FUZZ_CHECK(len < buf.size());
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    // Mostly small chunks (a byte at a time splits every prefix), sometimes a large read.
    size_t chunk = rng % 4 ? 1 + (rng >> 8) % 16 : 1 + (rng >> 8) % buf.size();
    chunk = std::min({chunk, buf.size() - len, stream.size() - fed});
    std::memcpy(buf.data() + len, stream.data() + fed, chunk);
    len += chunk, fed += chunk;

    size_t off = 0;
    for (;;) {
      const frame f = next_frame(std::span(buf).first(len).subspan(off), max_len);
      if (f.status == frame_status::need_more) break;
      if (f.status == frame_status::bad_length) {
        got.bad = true;
        break;
      }
      FUZZ_CHECK(f.size == 2 + f.payload.size());
      FUZZ_CHECK(!f.payload.empty() && f.payload.size() <= max_len);
      FUZZ_CHECK(f.payload.data() == buf.data() + off + 2);
      FUZZ_CHECK(off + f.size <= len);
      got.frames.emplace_back(f.payload.begin(), f.payload.end());
      off += f.size;
    }
    std::memmove(buf.data(), buf.data() + off, len - off);
    len -= off;
  }

  const split want = reference(stream);
  FUZZ_CHECK(got.bad == want.bad);
  FUZZ_CHECK(got.frames == want.frames);
  return 0;
}
