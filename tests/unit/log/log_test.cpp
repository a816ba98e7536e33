// The logfmt line: fixed fields first, bare values where possible, quoted and escaped ones
// otherwise, one newline at the end, and a cut that keeps the line parseable.
#include "log/log.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

using namespace sipdns;

namespace {
constexpr int64_t t0 = 1796501400123;  // 2026-12-05T20:10:00.123Z

std::string text(const log::line& l) { return std::string(l.text()); }
}  // namespace

TEST_CASE("timestamp, level and event lead; values are bare when they can be") {
  log::line l(log::level::info, "peer_state", t0);
  l.kv("peer", "lab2.uctest.local.").kv("service", "sip-tls").kv("ms", 12).kv("n", -3);
  l.kv("ok", true).kv_fixed("after_ms", 1.256, 2);
  CHECK(text(l) ==
        "ts=2026-12-05T20:10:00.123Z level=info event=peer_state peer=lab2.uctest.local. "
        "service=sip-tls ms=12 n=-3 ok=true after_ms=1.26\n");
}

TEST_CASE("every level has its name") {
  CHECK(text(log::line(log::level::error, "x", 0)) == "ts=1970-01-01T00:00:00.000Z level=error event=x\n");
  CHECK(std::string(log::to_string(log::level::warning)) == "warning");
  CHECK(std::string(log::to_string(log::level::debug)) == "debug");
}

TEST_CASE("spaces, quotes, '=', backslashes and control bytes are quoted and escaped") {
  CHECK(!log::needs_quotes("lab1.lab.test."));
  CHECK(log::needs_quotes(""));
  CHECK(log::needs_quotes("a b"));
  CHECK(log::needs_quotes("a=b"));
  CHECK(log::needs_quotes("a\"b"));
  CHECK(log::needs_quotes("a\\b"));
  CHECK(log::needs_quotes("a\x01"));
  log::line l(log::level::warning, "t", t0);
  l.kv("reason", "TLS: handshake failed").kv("q", "say \"hi\"").kv("eq", "a=b");
  l.kv("bs", "c:\\x").kv("nl", "one\ntwo\tthree\r").kv("ctl", std::string("\x01\x7f", 2));
  l.kv("empty", "");
  CHECK(text(l) ==
        "ts=2026-12-05T20:10:00.123Z level=warning event=t reason=\"TLS: handshake failed\" "
        "q=\"say \\\"hi\\\"\" eq=\"a=b\" bs=\"c:\\\\x\" nl=\"one\\ntwo\\tthree\\r\" "
        "ctl=\"\\x01\\x7f\" empty=\"\"\n");
}

TEST_CASE("a line too long for its buffer is cut inside a value and stays one line") {
  log::line l(log::level::error, "big", t0);
  l.kv("msg", std::string(5000, 'a') + " b").kv("after", 1);
  const std::string s = text(l);
  CHECK(s.size() <= log::line::capacity);
  CHECK(s.ends_with("...\"\n"));
  CHECK(s.find('\n') == s.size() - 1);
  CHECK(s.find("after=") == std::string::npos);

  log::line bare(log::level::error, "big", t0);
  bare.kv("msg", std::string(5000, 'a'));
  CHECK(text(bare).ends_with("aaa...\n"));
}

TEST_CASE("append_to gathers lines that write_lines writes at once") {
  std::string gathered;
  log::info("one").kv("n", 1).append_to(gathered);
  log::warning("two").append_to(gathered);
  CHECK(gathered.find("level=info event=one n=1\n") != std::string::npos);
  CHECK(gathered.ends_with("level=warning event=two\n"));
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  log::write_lines(gathered, fds[1]);
  ::close(fds[1]);
  std::string got;
  char buf[256];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, size_t(n));
  ::close(fds[0]);
  CHECK(got == gathered);
}
