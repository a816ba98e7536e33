// /metrics text from counters the test sets: series per non-zero (transport, QTYPE, RCODE),
// a cumulative histogram whose +Inf bucket equals its count, escaped label values.
#include <doctest/doctest.h>

#include <string>

#include "daemon/metrics.hpp"
#include "wire/constants.hpp"

using namespace sipdns;

namespace {
// A reply's header and question as the answer path writes them.
std::string reply(uint16_t qtype, uint8_t rcode, bool tc) {
  std::string r = {'\x12', '\x34', char(0x84 | (tc ? 0x02 : 0)), char(rcode), 0, 1, 0, 0, 0, 0, 0, 0};
  r += std::string("\3sip\4test\0", 10);
  r += char(qtype >> 8), r += char(qtype & 0xff), r += '\0', r += '\1';
  return r;
}
}  // namespace

TEST_CASE("metrics: queries by transport, QTYPE and RCODE; the histogram adds up") {
  net::loop_counters a, b;
  const std::string srv = reply(33, 0, false), nx = reply(1, 3, true);
  auto count = [](net::loop_counters& c, const std::string& r, bool tcp, uint64_t ns) {
    c.reply(reinterpret_cast<const uint8_t*>(r.data()), r.size(), r.size(), tcp, ns);
  };
  count(a, srv, false, 5'000);
  count(b, srv, false, 30'000);
  count(b, nx, true, 20'000'000);
  daemon::metric_sources src;
  src.loops = {&a, &b};
  const std::string text = daemon::metrics_text(src);
  CHECK(text.find("sipdns_queries_total{transport=\"udp\",qtype=\"SRV\",rcode=\"NOERROR\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("sipdns_queries_total{transport=\"tcp\",qtype=\"A\",rcode=\"NXDOMAIN\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("rcode=\"REFUSED\"") == std::string::npos);  // no series before its first reply
  CHECK(text.find("sipdns_responses_truncated_total 1\n") != std::string::npos);
  CHECK(text.find("sipdns_query_duration_seconds_bucket{le=\"1e-05\"} 1\n") != std::string::npos);
  CHECK(text.find("sipdns_query_duration_seconds_bucket{le=\"5e-05\"} 2\n") != std::string::npos);
  CHECK(text.find("sipdns_query_duration_seconds_bucket{le=\"0.01\"} 2\n") != std::string::npos);
  CHECK(text.find("sipdns_query_duration_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("sipdns_query_duration_seconds_count 3\n") != std::string::npos);
  CHECK(text.find("# TYPE sipdns_query_duration_seconds histogram\n") != std::string::npos);
}

TEST_CASE("metrics: label values escape backslash, quote and newline") {
  CHECK(daemon::label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}
