// The logfmt line: timestamp, level, event, then key=value fields, escaped where needed.
#include "log/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

namespace sipdns::log {
namespace {
// Room kept at the end of the buffer for `..."` after a cut value and the final newline.
constexpr size_t reserve = 5;
}  // namespace

const char* to_string(level lv) noexcept {
  switch (lv) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warning: return "warning";
    case level::error: return "error";
  }
  return "info";
}

int64_t now_unix_ms() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

size_t format_time(int64_t unix_ms, char* out) noexcept {
  const time_t secs = time_t(unix_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  int n = std::snprintf(out, 25, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                        t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                        int(unix_ms % 1000));
  return n > 0 ? size_t(n) : 0;
}

bool needs_quotes(std::string_view v) noexcept {
  if (v.empty()) return true;
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  return false;
}

line::line(level lv, std::string_view event, int64_t unix_ms) noexcept {
  char ts[32];
  put("ts=");
  put({ts, format_time(unix_ms, ts)});
  put(" level=");
  put(to_string(lv));
  put_key("event");
  put_value(event);
}

void line::put(std::string_view s) noexcept {
  if (cut_) return;
  if (n_ + s.size() > capacity - reserve) {
    cut_ = true;
    return;
  }
  for (char c : s) buf_[n_++] = c;
  buf_[n_] = '\n';
}

void line::put_key(std::string_view key) noexcept {
  put(" ");
  put(key);
  put("=");
}

void line::put_value(std::string_view v) noexcept {
  const bool quoted = needs_quotes(v);
  if (quoted) put("\"");
  for (unsigned char c : v) {
    if (cut_) break;
    char esc[5] = {'\\', 0, 0, 0, 0};
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      default:
        if (c >= ' ' && c != 0x7f) {
          put({reinterpret_cast<const char*>(&c), 1});
          continue;
        }
        std::snprintf(esc + 1, 4, "x%02x", unsigned(c));
    }
    put(esc);
  }
  if (cut_) {  // the reserved bytes: always room for these
    for (char c : std::string_view(quoted ? "...\"" : "...")) buf_[n_++] = c;
    buf_[n_] = '\n';
    return;
  }
  if (quoted) put("\"");
}

line& line::kv(std::string_view key, std::string_view value) noexcept {
  put_key(key);
  put_value(value);
  return *this;
}

line& line::number(std::string_view key, int64_t v) noexcept {
  char s[24];
  int n = std::snprintf(s, sizeof s, "%lld", (long long)v);
  put_key(key);
  put({s, size_t(n)});
  return *this;
}

line& line::number(std::string_view key, uint64_t v) noexcept {
  char s[24];
  int n = std::snprintf(s, sizeof s, "%llu", (unsigned long long)v);
  put_key(key);
  put({s, size_t(n)});
  return *this;
}

line& line::kv_fixed(std::string_view key, double value, int decimals) noexcept {
  char s[48];
  int n = std::snprintf(s, sizeof s, "%.*f", decimals, value);
  put_key(key);
  put({s, n > 0 && size_t(n) < sizeof s ? size_t(n) : 0});
  return *this;
}

void line::write(int fd) const noexcept { write_lines(text(), fd); }

void write_lines(std::string_view text, int fd) noexcept {
  // One write(2) for the whole text; a pipe or file takes it at once (O_APPEND files and pipes
  // under PIPE_BUF never interleave). A partial write (a signal) is continued.
  for (int tries = 0; !text.empty() && tries < 100; ++tries) {
    ssize_t w = ::write(fd, text.data(), text.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    text.remove_prefix(size_t(w));
  }
}

}  // namespace sipdns::log
