// Parsing of sipdnsd's flags; no option is kept as a string to be parsed later.
#include "net/options.hpp"

#include <charconv>
#include <string_view>

namespace sipdns::net {

const char* const usage_text =
    "usage: sipdnsd [options]\n"
    "\n"
    "Authoritative DNS server for SIP/H.323 cluster discovery.\n"
    "\n"
    "  --listen ADDR:PORT         UDP and TCP listen address, repeatable; IPv6 as [::1]:5353\n"
    "                             (default 127.0.0.1:5353)\n"
    "  --zones PATH               zone file or directory of *.toml files, repeatable\n"
    "                             (default zones/)\n"
    "  --tcp-idle-timeout SECONDS close idle TCP connections after this long (default 10)\n"
    "  --tcp-max-connections N    concurrent TCP connections per worker; when full, a new one\n"
    "                             closes the least recently active (default 256)\n"
    "  --tcp-max-per-client N     concurrent TCP connections per IPv4 address or IPv6 /64\n"
    "                             per worker; more are closed at once (default 32)\n"
    "  --tcp-read-timeout SECONDS close a TCP connection whose query frame stays incomplete\n"
    "                             this long (default 3)\n"
    "  --tcp-write-timeout SECONDS close a TCP connection whose response stays unsent this\n"
    "                             long: a client that does not read (default 5)\n"
    "  --udp-coalesce-us N        under load (16+ queries queued), wait N microseconds before\n"
    "                             reading again: less CPU per query for at most N us more\n"
    "                             latency; 0 = off (default 200, 0..1000)\n"
    "  --rrl-rate N               response rate limiting of UDP replies: at most N per second\n"
    "                             per client prefix and answer (or NXDOMAIN zone, or errors);\n"
    "                             0 = off (default 0, 0..1000000). TCP is never limited\n"
    "  --rrl-slip N               every Nth limited reply is sent truncated (TC=1) so real\n"
    "                             clients retry over TCP, the others are dropped; 0 = drop\n"
    "                             all, 1 = truncate all (default 2, 0..10)\n"
    "  --rrl-window SECONDS       a client stays limited until its rate averaged over this\n"
    "                             long is under N (default 5, 1..3600)\n"
    "  --rrl-ipv4-prefix BITS     IPv4 clients sharing this prefix share a limit (default 24)\n"
    "  --rrl-ipv6-prefix BITS     same for IPv6 (default 56)\n"
    "  --rrl-exempt PREFIX        never limit these clients (10.0.0.0/8, 2001:db8::/32, or an\n"
    "                             address), repeatable\n"
    "  --rrl-table-size N         clients x answers tracked per UDP socket (default 65536,\n"
    "                             64..16777216; 24 bytes each)\n"
    "  --workers N                DNS event loops, one thread each, spread by SO_REUSEPORT\n"
    "                             (default 1)\n"
    "  --control PATH             Unix socket for the sipdns command: status, drain,\n"
    "                             undrain, reload (default: none)\n"
    "  --help                     show this help\n"
    "  --version                  show the version\n"
    "\n"
    "Signals: SIGHUP reloads the zones (the old ones keep serving if the new ones have\n"
    "errors); SIGINT and SIGTERM stop the server.\n";

namespace {

bool parse_number(std::string_view s, uint64_t max, uint64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size() && out <= max;
}

// The numeric --rrl-* flags and their ranges.
struct rrl_numeric {
  std::string_view flag;
  uint64_t min, max;
  const char* what;
};
constexpr rrl_numeric rrl_numerics[] = {
    {"--rrl-rate", 0, 1'000'000, "replies per second"},
    {"--rrl-slip", 0, 10, "a number"},
    {"--rrl-window", 1, 3600, "seconds"},
    {"--rrl-ipv4-prefix", 1, 32, "prefix bits"},
    {"--rrl-ipv6-prefix", 1, 128, "prefix bits"},
    {"--rrl-table-size", 64, 16'777'216, "entries"},
};

bool is_rrl_flag(std::string_view arg) {
  if (arg == "--rrl-exempt") return true;
  for (const rrl_numeric& f : rrl_numerics)
    if (arg == f.flag) return true;
  return false;
}

// One --rrl-* flag into `cfg`; false with `err` naming the flag when the value is bad.
bool parse_rrl_flag(std::string_view arg, std::string_view value, rrl::config& cfg,
                    std::string& err) {
  if (arg == "--rrl-exempt") {
    auto p = rrl::parse_prefix(value, err);
    if (!p) {
      err = "--rrl-exempt: " + err;
      return false;
    }
    cfg.exempt.push_back(*p);
    return true;
  }
  for (const rrl_numeric& f : rrl_numerics) {
    if (arg != f.flag) continue;
    uint64_t n = 0;
    if (!parse_number(value, f.max, n) || n < f.min) {
      err = std::string(arg) + ": expected " + f.what + " in " + std::to_string(f.min) + ".." +
            std::to_string(f.max) + ", got \"" + std::string(value) + "\"";
      return false;
    }
    if (arg == "--rrl-rate") cfg.rate = uint32_t(n);
    else if (arg == "--rrl-slip") cfg.slip = uint32_t(n);
    else if (arg == "--rrl-window") cfg.window = uint32_t(n);
    else if (arg == "--rrl-ipv4-prefix") cfg.ipv4_prefix = uint8_t(n);
    else if (arg == "--rrl-ipv6-prefix") cfg.ipv6_prefix = uint8_t(n);
    else cfg.table_size = uint32_t(n);
    return true;
  }
  return false;  // not reached: is_rrl_flag() was asked first
}

}  // namespace

bool parse_options(int argc, const char* const* argv, options& out, std::string& err) {
  bool rrl_rate_given = false;
  std::string rrl_tuning;  // the first other --rrl-* flag, for the warning below
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_inline = false;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline = true;
    }
    auto need_value = [&]() -> bool {
      if (has_inline) return true;
      if (i + 1 >= argc) {
        err = std::string(arg) + " needs a value";
        return false;
      }
      value = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      out.help = true;
    } else if (arg == "--version" || arg == "-V") {
      out.version = true;
    } else if (arg == "--listen") {
      if (!need_value()) return false;
      auto ep = parse_endpoint(value, err);
      if (!ep) {
        err = "--listen: " + err;
        return false;
      }
      out.server.listen.push_back(*ep);
    } else if (arg == "--workers") {
      if (!need_value()) return false;
      uint64_t n = 0;
      if (!parse_number(value, 64, n) || n < 1) {
        err = "--workers: expected a number in 1..64, got \"" + std::string(value) + "\"";
        return false;
      }
      out.workers = size_t(n);
    } else if (arg == "--udp-coalesce-us") {
      if (!need_value()) return false;
      uint64_t n = 0;
      if (!parse_number(value, 1000, n)) {
        err = "--udp-coalesce-us: expected microseconds in 0..1000, got \"" +
              std::string(value) + "\"";
        return false;
      }
      out.server.udp_coalesce_us = uint32_t(n);
    } else if (is_rrl_flag(arg)) {
      if (!need_value() || !parse_rrl_flag(arg, value, out.server.rrl, err)) return false;
      if (arg == "--rrl-rate") rrl_rate_given = true;
      else if (rrl_tuning.empty()) rrl_tuning = std::string(arg);
    } else if (arg == "--control") {
      if (!need_value()) return false;
      if (value.empty()) {
        err = "--control: empty path";
        return false;
      }
      out.control = std::string(value);
    } else if (arg == "--zones") {
      if (!need_value()) return false;
      if (value.empty()) {
        err = "--zones: empty path";
        return false;
      }
      out.zones.emplace_back(value);
    } else if (arg == "--tcp-idle-timeout") {
      if (!need_value()) return false;
      uint64_t s = 0;
      if (!parse_number(value, 86400, s) || s == 0) {
        err =
            "--tcp-idle-timeout: expected seconds in 1..86400, got \"" + std::string(value) + "\"";
        return false;
      }
      out.server.tcp_idle_timeout_ms = s * 1000;
    } else if (arg == "--tcp-read-timeout" || arg == "--tcp-write-timeout") {
      if (!need_value()) return false;
      uint64_t s = 0;
      if (!parse_number(value, 3600, s) || s == 0) {
        err = std::string(arg) + ": expected seconds in 1..3600, got \"" + std::string(value) +
              "\"";
        return false;
      }
      (arg == "--tcp-read-timeout" ? out.server.tcp_read_timeout_ms
                                   : out.server.tcp_write_timeout_ms) = s * 1000;
    } else if (arg == "--tcp-max-per-client") {
      if (!need_value()) return false;
      uint64_t n = 0;
      if (!parse_number(value, 1'000'000, n) || n == 0) {
        err = "--tcp-max-per-client: expected a number in 1..1000000, got \"" +
              std::string(value) + "\"";
        return false;
      }
      out.server.tcp_max_per_client = size_t(n);
    } else if (arg == "--tcp-max-connections") {
      if (!need_value()) return false;
      uint64_t n = 0;
      if (!parse_number(value, 1'000'000, n)) {
        err = "--tcp-max-connections: expected a number in 0..1000000, got \"" +
              std::string(value) + "\"";
        return false;
      }
      out.server.tcp_max_connections = size_t(n);
    } else {
      err = "unknown argument \"" + std::string(argv[i]) + "\"";
      return false;
    }
  }
  if (!rrl_tuning.empty() && !rrl_rate_given)
    out.warnings.push_back(rrl_tuning +
                           " has no effect without --rrl-rate: response rate limiting is off");
  if (out.server.listen.empty()) {
    std::string ignored;
    out.server.listen.push_back(*parse_endpoint("127.0.0.1:5353", ignored));
  }
  if (out.zones.empty()) out.zones.push_back("zones/");
  return true;
}

}  // namespace sipdns::net
