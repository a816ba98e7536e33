// sipdns: the operator's command line. Reuses the zone library; never re-parses on its own.
#include <cstdio>
#include <optional>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "wire/constants.hpp"
#include "wire/name.hpp"
#include "zone/derive.hpp"
#include "zone/loader.hpp"

// After the standard headers: ldns defines bool/true/false as macros when it thinks C lacks them.
#include <ldns/ldns.h>

namespace {

using namespace sipdns;

void usage(FILE* to) {
  std::fputs(
      "usage: sipdns <command> [options]\n"
      "\n"
      "commands:\n"
      "  check  PATH...   load zone files or directories, print every diagnostic;\n"
      "                   exit 0 when they would load, 1 otherwise\n"
      "  export PATH...   print every zone, clusters expanded, as RFC 1035 zone files\n"
      "                   (what a BIND/NSD/Knot secondary or a migration needs)\n"
      "  --version        print the version\n",
      to);
}

// Loads and prints diagnostics; returns the zone set or nullopt on errors.
std::optional<zone::zone_set> load(const std::vector<std::string>& paths) {
  zone::load_result r = zone::load(paths);
  for (const auto& d : r.diagnostics) std::fprintf(stderr, "%s\n", zone::format(d).c_str());
  return std::move(r.zones);
}

int check(const std::vector<std::string>& paths) {
  auto zones = load(paths);
  if (!zones) return 1;
  size_t records = 0;
  for (const auto& z : zone::derive(*zones)) records += z.records.size();
  std::printf("ok: %zu zones, %zu records\n", zones->zones.size(), records);
  return 0;
}

// One record as presentation text, through ldns so that the output is what other servers read.
std::string to_text(const zone::record& r) {
  std::string wire = r.owner;
  uint8_t fixed[10];
  wire::put16(fixed, r.type);
  wire::put16(fixed + 2, wire::rr_class::in);
  wire::put32(fixed + 4, r.ttl);
  wire::put16(fixed + 8, uint16_t(r.rdata.size()));
  wire.append(reinterpret_cast<const char*>(fixed), sizeof fixed);
  wire.append(r.rdata);
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  if (ldns_wire2rr(&rr, reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), &pos,
                   LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
    return "; unprintable record";
  std::unique_ptr<ldns_rr, decltype(&ldns_rr_free)> owned(rr, ldns_rr_free);
  std::unique_ptr<char, decltype(&free)> text(ldns_rr2str(rr), free);
  std::string out(text.get());
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

int export_zones(const std::vector<std::string>& paths) {
  auto zones = load(paths);
  if (!zones) return 1;
  for (const auto& z : zone::derive(*zones)) {
    std::printf("; zone %s\n", wire::name_to_text(z.origin).c_str());
    std::printf("%s\n", to_text(z.soa).c_str());
    for (const auto& r : z.records)
      if (r.type != wire::rr_type::soa) std::printf("%s\n", to_text(r).c_str());
    std::printf("\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") return usage(stdout), 0;
  if (cmd == "--version") return std::printf("sipdns %s\n", SIPDNS_VERSION), 0;
  if ((cmd == "check" || cmd == "export") && args.empty()) {
    std::fprintf(stderr, "sipdns %s: give at least one zone file or directory\n", cmd.c_str());
    return 2;
  }
  if (cmd == "check") return check(args);
  if (cmd == "export") return export_zones(args);
  std::fprintf(stderr, "sipdns: unknown command \"%s\"\n", cmd.c_str());
  usage(stderr);
  return 2;
}
