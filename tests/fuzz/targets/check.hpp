// FUZZ_CHECK: an invariant the fuzzer must never break. A failure prints what broke and aborts,
// which libFuzzer reports as a crash (saving the input) and the plain replay as a failed test.
#pragma once
#include <unistd.h>

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

// For targets whose code reads a path: `name` in a directory of its own under $TMPDIR (or
// /tmp), one per process, rewritten for every input and removed at exit.
inline const std::string& fuzz_file(const char* name) {
  static const std::string path = [name] {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/sipdns-fuzz-XXXXXX";
    if (!mkdtemp(dir.data())) {
      std::perror("fuzz: mkdtemp");
      std::abort();
    }
    static std::string cleanup_file = dir + "/" + name, cleanup_dir = dir;
    std::atexit([] {
      std::remove(cleanup_file.c_str());
      ::rmdir(cleanup_dir.c_str());
    });
    return cleanup_file;
  }();
  return path;
}

// `data` as the whole content of `path`.
inline void fuzz_write(const std::string& path, const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr);
  FUZZ_CHECK(std::fwrite(data, 1, size, f) == size);
  FUZZ_CHECK(std::fclose(f) == 0);
}

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
