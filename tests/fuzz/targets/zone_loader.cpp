// Fuzz target: arbitrary bytes as a TOML zone file -> zone::load(). It must return either zones
// or at least one error, never crash or hang; zones that load are also compiled and asked for
// their apex SOA, as sipdnsd would serve them.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "answer/answer.hpp"
#include "check.hpp"
#include "compile/build.hpp"
#include "wire/constants.hpp"
#include "zone/loader.hpp"

namespace {
using namespace sipdns;

std::vector<uint8_t> soa_query(const wire::name& origin) {
  std::vector<uint8_t> q = {0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  q.insert(q.end(), origin.begin(), origin.end());
  q.insert(q.end(), {0, uint8_t(wire::rr_type::soa), 0, uint8_t(wire::rr_class::in)});
  return q;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // zone files are small; keeps every input fast
  const std::string& path = fuzz_file("fuzz.toml");  // load() reads from paths
  fuzz_write(path, data, size);

  zone::load_result r = zone::load({path});
  if (!r.zones) {
    bool has_error = false;
    for (const auto& d : r.diagnostics) has_error |= d.level == zone::severity::error;
    FUZZ_CHECK(has_error);  // a rejected zone always says why
    return 0;
  }
  compile::snapshot_ptr snap;
  try {
    snap = compile::build(r.expanded);
  } catch (const std::runtime_error&) {
    return 0;  // an internal limit, reported to the operator like a zone error
  }
  FUZZ_CHECK(snap != nullptr);
  std::vector<uint8_t> out(65535);
  answer::loop_state state;
  for (const zone::expanded_zone& z : r.expanded) {
    std::vector<uint8_t> q = soa_query(z.origin);
    size_t n = answer::respond(*snap, q, out, answer::transport::tcp, state);
    FUZZ_CHECK(n >= q.size() && n <= out.size());
    FUZZ_CHECK((out[3] & 0xF) == 0);  // NOERROR: the apex of a loaded zone exists
  }
  return 0;
}
