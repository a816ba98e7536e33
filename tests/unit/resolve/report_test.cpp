// The --repeat tally (first choices, listed counts, order of rows) and JSON strings.
#include <doctest/doctest.h>

#include "resolve/report.hpp"

using namespace sipdns::resolve;

namespace {
resolution with(std::vector<std::string> addresses) {
  resolution r;
  for (const auto& a : addresses) r.hops.push_back({"sip", transport::tcp, a, 5060, {}});
  return r;
}
}  // namespace

TEST_CASE("the tally counts first choices and lists, most often first") {
  distribution d;
  add_run(d, with({"10.0.0.2", "10.0.0.1"}));
  add_run(d, with({"10.0.0.1", "10.0.0.2"}));
  add_run(d, with({"10.0.0.2", "10.0.0.1", "10.0.0.2"}));  // listed twice: counted once
  add_run(d, with({}));
  sort_rows(d);
  CHECK(d.runs == 4);
  CHECK(d.empty_runs == 1);
  REQUIRE(d.rows.size() == 2);
  CHECK(d.rows[0].address == "10.0.0.2");
  CHECK(d.rows[0].first == 2);
  CHECK(d.rows[0].listed == 3);
  CHECK(d.rows[1].first == 1);
  CHECK(d.rows[1].listed == 3);
  CHECK(d.rows[0].mean_position() == doctest::Approx(4.0 / 3));  // positions 1, 2, 1
  CHECK(d.rows[1].mean_position() == doctest::Approx(5.0 / 3));
}

TEST_CASE("rows with equal first counts are ordered by mean position") {
  distribution d;
  resolution r;
  r.hops.push_back({"sip", transport::udp, "b", 5060, {}});
  r.hops.push_back({"sips", transport::tls, "a", 5061, {}});
  r.hops.push_back({"sip", transport::tcp, "a", 5060, {}});
  add_run(d, r);
  sort_rows(d);
  CHECK(d.rows[0].proto == transport::udp);  // first: 1
  CHECK(d.rows[1].proto == transport::tls);  // first 0, position 2
  CHECK(d.rows[2].proto == transport::tcp);  // first 0, position 3
}

TEST_CASE("JSON strings escape quotes, backslashes and control characters") {
  CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_string(std::string("x\n\x01", 3)) == "\"x\\u000a\\u0001\"");
  CHECK(json_string("_sip._tcp.uctest.local.") == "\"_sip._tcp.uctest.local.\"");
}
