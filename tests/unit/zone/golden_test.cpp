// Golden diagnostics: each tests/data/bad/<case>.toml (or <case>/ directory) is loaded alone
// and its formatted diagnostics must equal <case>.expected line for line.
#include <doctest/doctest.h>

#include "zone_support.hpp"

using namespace sipdns;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("golden diagnostics for tests/data/bad") {
  const fs::path dir = "tests/data/bad";
  std::vector<std::string> cases;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() || e.path().extension() == ".toml")
      cases.push_back(e.path().stem().string());
  std::sort(cases.begin(), cases.end());
  REQUIRE(cases.size() >= 20);

  for (const auto& c : cases) {
    CAPTURE(c);
    fs::path input = dir / c;
    if (!fs::is_directory(input)) input += ".toml";
    fs::path expected = dir / (c + ".expected");
    REQUIRE_MESSAGE(fs::exists(expected), "missing " << expected.string());

    zone::load_result r = zone::load({input.string()});
    std::string got;
    for (const auto& d : r.diagnostics) got += zone::format(d) + "\n";
    CHECK(got == read_all(expected));
    // An error stops the load; warnings alone do not.
    CHECK(bool(r.zones) == !zone::has_errors(r.diagnostics));
    if (got.find(": error: ") == std::string::npos)
      CHECK(r.zones);
    else
      CHECK_FALSE(r.zones);
  }
}

TEST_CASE("the multi-error case reports every error class in one pass") {
  zone::load_result r = zone::load({"tests/data/bad/multi_error.toml"});
  size_t errors = 0;
  for (const auto& d : r.diagnostics) errors += d.level == zone::severity::error;
  CHECK(errors >= 10);
  CHECK(std::is_sorted(r.diagnostics.begin(), r.diagnostics.end(), [](auto& a, auto& b) {
    return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
  }));
}
