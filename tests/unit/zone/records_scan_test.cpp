// The `records` scanner against toml++: every file read both ways gives the same records,
// positions and diagnostics, and look-alikes the scanner must not take go to toml++.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "zone/reader.hpp"
#include "zone/records_scan.hpp"
#include "zone/zone_support.hpp"

using namespace sipdns;

namespace {

// Everything a read produces, as text: diagnostics, then each record with its position.
std::string read_as_text(const std::string& file, size_t scan_from) {
  std::vector<zone::diagnostic> diags;
  auto z = zone::detail::read_zone_file(file, diags, scan_from);
  std::string out;
  for (const auto& d : diags) out += zone::format(d) + "\n";
  if (z)
    for (const auto& r : z->records)
      out += test::text_of(r) + " @" + std::to_string(r.where.line) + ":" +
             std::to_string(r.where.column) + "\n";
  return out;
}

void same_both_ways(const std::string& file) {
  CAPTURE(file);
  CHECK(read_as_text(file, 1) == read_as_text(file, SIZE_MAX));
}

const char* head = R"([zone]
origin = "ex.test"
soa = { mname = "ns1", rname = "hostmaster", serial = 1 }
ns = ["ns1"]
)";

}  // namespace

TEST_CASE("records scanner: the bundled and test zones read the same both ways") {
  for (const char* dir : {"zones", "tests/data/good", "tests/data/bad", "tests/data/health"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
      if (e.path().extension() == ".toml") same_both_ways(e.path().string());
}

TEST_CASE("records scanner: plain arrays, errors and look-alikes read the same both ways") {
  std::vector<std::string> docs = {
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\",\n  \"h2 A 192.0.2.300\",\n]\n",
      std::string(head) + "records = [\n\t\"h1 A 192.0.2.1\" ,\n    \"h2 TXT \\\"q\\\"\"\n]\n",
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\"\n  \"h2 A 192.0.2.2\",\n]\n",
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\", # c\n]\n",
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\",\n\n  \"h2 MX ten x\",\n]\n",
      std::string(head) + "records = [\n  \"h1\tA\t192.0.2.1\",\n  \"x.other. A 1.2.3.4\"\n  ]\n",
      std::string(head) + "records = [ \"h1 A 192.0.2.1\" ]\n",
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\",\n]\nrecords = [\n  \"h2 A 1.2.3.4\",\n]\n",
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\",\n]\n[[cluster]]\nname = \"c\"\n"
                          "peers = [{ host = \"p\", ipv4 = \"192.0.2.9\" }]\nrecords = [\n  \"x A 1.1.1.1\",\n]\n",
      "records = [\n  \"h1 A 192.0.2.1\",\n]\n" + std::string(head),
      std::string(head) + "txt = \"\"\"\nrecords = [\n  \"h1 A 192.0.2.1\",\n]\n\"\"\"\n",
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\",\r\n]\r\n",
      std::string(head) + "records = [\n  \"h\xC3\xA9 A 192.0.2.1\",\n]\n",
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\",\n  \"h1 A 192.0.2.1\",\n  \"@ NS ns1\",\n]\n",
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\",\n  \"h2 A 192.0.2.2\",\n",
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\",\n  oops\n]\n",
      std::string(head) + "records = [\n  \"h1 A 192.0.2.1\",\n]",  // no last '\n'
      std::string(head) + "records = [",  // found by fuzzing: once read past the end
  };
  for (size_t i = 0; i < docs.size(); ++i) {
    test::temp_zone f("scan-" + std::to_string(i), docs[i]);
    CAPTURE(docs[i]);
    same_both_ways(f.path.string());
  }
}

TEST_CASE("records scanner: takes plain arrays, declines the rest") {
  std::string plain = std::string(head) + "records = [\n  \"h1 A 192.0.2.1\",\n\t\"h2 A 192.0.2.2\"\n]\n";
  auto scan = zone::detail::scan_records(plain, 1);
  REQUIRE(scan);
  CHECK(scan->line == 5);
  REQUIRE(scan->records.size() == 2);
  CHECK(scan->records[0].text == "h1 A 192.0.2.1");
  CHECK(scan->records[0].line == 6);
  CHECK(scan->records[0].column == 3);
  CHECK(scan->records[1].column == 2);
  CHECK(scan->rest == std::string(head) + "records = [\n\n\n]\n");
  CHECK_FALSE(zone::detail::scan_records(plain, 3));  // fewer than asked for
  for (const char* odd : {"records = [\n  \"a\\\"b\",\n]\n", "records = [\n  'lit',\n]\n",
                          "records = [\n  \"a\", \"b\",\n]\n", "records = [\n  \"a\",\n",
                          "records = [ \"a\",\n]\n", "records = [\n  \"a\" # c\n]\n",
                          "records = ["})
    CHECK_FALSE(zone::detail::scan_records(odd, 1));
}
