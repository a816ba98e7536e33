// One line per event on stderr, in logfmt: `ts=... level=info event=peer_state peer=... ms=12`.
//
// Design: a `line` formats into a fixed buffer inside itself (no allocation, so it may be built
// anywhere, even on a loop thread), and `write()` hands the whole line to write(2) at once, so
// lines from different threads never interleave. Values are written bare when they can be
// (`zones=3`, `peer=lab1.lab.test.`), quoted and escaped otherwise (`reason="TLS: bad cert"`).
// A line that does not fit its buffer is cut inside the last value and ends with `...`.
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sipdns::log {

enum class level : uint8_t { debug, info, warning, error };
const char* to_string(level lv) noexcept;

// Milliseconds since the Unix epoch (CLOCK_REALTIME).
int64_t now_unix_ms() noexcept;
// `2026-12-05T20:10:00.123Z` into out (at least 25 bytes); returns the length (24).
size_t format_time(int64_t unix_ms, char* out) noexcept;
// Whether a value needs quotes: empty, or has a space, '"', '=', '\\' or a control byte.
bool needs_quotes(std::string_view v) noexcept;

class line {
 public:
  static constexpr size_t capacity = 2048;

  line(level lv, std::string_view event) noexcept : line(lv, event, now_unix_ms()) {}
  line(level lv, std::string_view event, int64_t unix_ms) noexcept;
  line(const line&) = delete;
  line& operator=(const line&) = delete;

  line& kv(std::string_view key, std::string_view value) noexcept;
  line& kv(std::string_view key, const char* value) noexcept {
    return kv(key, std::string_view(value ? value : ""));
  }
  line& kv(std::string_view key, const std::string& value) noexcept {
    return kv(key, std::string_view(value));
  }
  template <std::integral T>
  line& kv(std::string_view key, T value) noexcept {
    if constexpr (std::same_as<T, bool>) return kv(key, std::string_view(value ? "true" : "false"));
    else if constexpr (std::signed_integral<T>) return number(key, int64_t(value));
    else return number(key, uint64_t(value));
  }
  // A number with `decimals` digits after the point: kv_fixed("ms", 1.25, 2) -> `ms=1.25`.
  line& kv_fixed(std::string_view key, double value, int decimals) noexcept;

  // The line, ending in '\n'.
  std::string_view text() const noexcept { return {buf_, n_ + 1}; }
  // One write(2) of the whole line to fd (stderr by default); a partial write is continued.
  void write(int fd = 2) const noexcept;
  // For logs gathered off a loop and written later (a reload's lines): one line appended.
  void append_to(std::string& out) const { out.append(buf_, n_ + 1); }

 private:
  line& number(std::string_view key, int64_t v) noexcept;
  line& number(std::string_view key, uint64_t v) noexcept;
  void put(std::string_view s) noexcept;
  void put_key(std::string_view key) noexcept;
  void put_value(std::string_view v) noexcept;

  char buf_[capacity];
  size_t n_ = 0;  // bytes before the final '\n', which is always there
  bool cut_ = false;
};

inline line error(std::string_view event) noexcept { return line(level::error, event); }
inline line warning(std::string_view event) noexcept { return line(level::warning, event); }
inline line info(std::string_view event) noexcept { return line(level::info, event); }
inline line debug(std::string_view event) noexcept { return line(level::debug, event); }

// Complete lines gathered earlier (line::append_to), written with one write(2).
void write_lines(std::string_view text, int fd = 2) noexcept;

}  // namespace sipdns::log
