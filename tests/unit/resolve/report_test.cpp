// The --repeat tally (first choices, listed counts, order of rows) and JSON strings.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>


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

TEST_CASE("JSON output escapes control characters and bytes that are not UTF-8") {
  resolution r;
  r.notes.push_back(std::string("x\n\x01 \xFF \"q\""));
  report_context ctx{"sip:a\\b@uctest.local", 1};
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  REQUIRE(f != nullptr);
  print_json(f, ctx, r);
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  CHECK(out.find("\"target\":\"sip:a\\\\b@uctest.local\"") != std::string::npos);
  CHECK(out.find("\"x\\n\\u0001 \xEF\xBF\xBD \\\"q\\\"\"") != std::string::npos);
}
