// `sipdns resolve TARGET [options]` (see command.hpp): options to a target and endpoint, one
// resolution or --repeat N of them, printed by report.cpp.
#include "resolve/command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>

#include "resolve/ldns_lookup.hpp"
#include "resolve/report.hpp"

namespace sipdns::resolve {

namespace {

// Enough to show weights to a tenth of a percent; bounds the questions one command sends.
constexpr unsigned long max_repeat = 100000;

struct options {
  std::string target_text, server, format = "text";
  std::optional<transport> only;
  unsigned long repeat = 0;
  std::optional<uint64_t> seed;
  bool h323 = false;
};

bool usage_error(const std::string& msg) {
  std::fprintf(stderr, "sipdns resolve: %s\n", msg.c_str());
  return false;
}

bool parse_number(const std::string& text, unsigned long long max, unsigned long long& out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  errno = 0;
  out = std::strtoull(text.c_str(), nullptr, 10);
  return errno == 0 && out <= max;
}

// The value of "--name VALUE" or "--name=VALUE" at args[i]; nullopt when args[i] is not it.
std::optional<std::string> value_of(const std::vector<std::string>& args, size_t& i,
                                    const std::string& name, bool& missing) {
  if (args[i] == name) {
    if (i + 1 >= args.size()) return missing = true, std::nullopt;
    return args[++i];
  }
  if (args[i].starts_with(name + "=")) return args[i].substr(name.size() + 1);
  return std::nullopt;
}

bool apply(const std::string& name, const std::string& v, options& o) {
  unsigned long long n = 0;
  if (name == "--server") o.server = v;
  else if (name == "--transport") {
    if (!(o.only = parse_transport(v))) return usage_error("--transport is udp, tcp or tls");
  } else if (name == "--repeat") {
    if (!parse_number(v, max_repeat, n) || n == 0)
      return usage_error("--repeat takes 1.." + std::to_string(max_repeat));
    o.repeat = n;
  } else if (name == "--seed") {
    if (!parse_number(v, UINT64_MAX, n)) return usage_error("--seed takes a number");
    o.seed = n;
  } else if (name == "--format") {
    if (v != "text" && v != "json") return usage_error("--format is text or json");
    o.format = v;
  }
  return true;
}

bool parse_options(const std::vector<std::string>& args, options& o) {
  for (size_t i = 0; i < args.size(); ++i) {
    bool matched = false, missing = false;
    for (const char* name : {"--server", "--transport", "--repeat", "--seed", "--format"}) {
      auto v = value_of(args, i, name, missing);
      if (missing) return usage_error(std::string(name) + " needs a value");
      if (v) {
        if (!apply(name, *v, o)) return false;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (args[i] == "--h323") o.h323 = true;
    else if (args[i].starts_with("-")) return usage_error("unknown option \"" + args[i] + "\"");
    else if (!o.target_text.empty()) return usage_error("give one TARGET");
    else o.target_text = args[i];
  }
  if (o.target_text.empty())
    return usage_error("give a TARGET: a domain, sip:user@domain, sips:... or sip:host:port");
  return true;
}

}  // namespace

int run_command(const std::vector<std::string>& args) {
  options o;
  if (!parse_options(args, o)) return 2;
  parsed_target t = parse_target(o.target_text, o.h323);
  if (!t.value) return usage_error(o.target_text + ": " + t.error), 2;
  std::string error;
  auto dns = ldns_lookup::open(o.server, error);
  if (!dns) return std::fprintf(stderr, "sipdns resolve: %s\n", error.c_str()), 1;
  report_context ctx{o.target_text, o.seed.value_or(std::random_device{}())};
  seeded_random rnd(ctx.seed);
  endpoint_options eo{o.only};
  bool json = o.format == "json";
  if (!o.repeat) {
    resolution r = resolve(*t.value, eo, *dns, rnd);
    (json ? print_json : print_text)(stdout, ctx, r);
    return r.hops.empty() ? 1 : 0;
  }
  distribution d;
  for (unsigned long i = 0; i < o.repeat; ++i) add_run(d, resolve(*t.value, eo, *dns, rnd));
  sort_rows(d);
  (json ? print_distribution_json : print_distribution_text)(stdout, ctx, d);
  return d.empty_runs == d.runs ? 1 : 0;
}

}  // namespace sipdns::resolve
