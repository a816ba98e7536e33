// Parsing of sipdnsd's flags; no option is kept as a string to be parsed later. One table
// describes every flag: its value, its range and its help lines; parse_options and usage_text
// both read it, so the help cannot drift from what is parsed. The keys of a --config file
// become the same (flag, value) settings (config_file.cpp) and go through the same handlers.
#include "daemon/options.hpp"

#include <charconv>
#include <string_view>

#include "daemon/config_file.hpp"
#include "daemon/option_table.hpp"
#include "http/server.hpp"
#include "rrl/limiter.hpp"
#include "wire/name.hpp"

namespace sipdns::daemon {

using detail::option_def;
using detail::setting;

namespace {

bool parse_number(std::string_view s, uint64_t max, uint64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size() && out <= max;
}

// A text value that may not be empty ("--zones: empty path").
bool non_empty(std::string_view flag, std::string_view value, std::string& err) {
  if (value.empty()) err = std::string(flag) + ": empty path";
  return !value.empty();
}

constexpr option_def option_table[] = {
    {.name = "--config", .arg = "FILE",
     .help = "read flags from this TOML file, one key per flag without its\n"
             "dashes (listen = [\"127.0.0.1:53\"], workers = 2); a flag on\n"
             "the command line replaces that key of the file",
     .text = [](options& o, std::string_view v, std::string& err) {
       if (!non_empty("--config", v, err)) return false;
       if (!o.config_file.empty()) {
         err = "--config: given twice; one configuration file only";
         return false;
       }
       o.config_file = std::string(v);
       return true;
     },
     .command_line_only = true},
    {.name = "--listen", .arg = "ADDR:PORT",
     .help = "UDP and TCP listen address, repeatable; IPv6 as [::1]:5353\n"
             "(default 127.0.0.1:5353)",
     .text = [](options& o, std::string_view v, std::string& err) {
       auto ep = net::parse_endpoint(v, err);
       if (!ep) err = "--listen: " + err;
       else o.server.listen.push_back(*ep);
       return bool(ep);
     },
     .repeatable = true},
    {.name = "--zones", .arg = "PATH",
     .help = "zone file or directory of *.toml files, repeatable\n(default zones/)",
     .text = [](options& o, std::string_view v, std::string& err) {
       if (!non_empty("--zones", v, err)) return false;
       o.zones.emplace_back(v);
       return true;
     },
     .repeatable = true},
    {.name = "--tcp-idle-timeout", .arg = "SECONDS",
     .help = "close idle TCP connections after this long (default 10)",
     .min = 1, .max = 86400, .what = "seconds",
     .number = [](options& o, uint64_t n) { o.server.tcp_idle_timeout_ms = n * 1000; }},
    {.name = "--tcp-max-connections", .arg = "N",
     .help = "concurrent TCP connections per worker; when full, a new one\n"
             "closes the least recently active (default 256)",
     .min = 0, .max = 1'000'000, .what = "a number",
     .number = [](options& o, uint64_t n) { o.server.tcp_max_connections = size_t(n); }},
    {.name = "--tcp-max-per-client", .arg = "N",
     .help = "concurrent TCP connections per IPv4 address or IPv6 /64\n"
             "per worker; more are closed at once (default 32)",
     .min = 1, .max = 1'000'000, .what = "a number",
     .number = [](options& o, uint64_t n) { o.server.tcp_max_per_client = size_t(n); }},
    {.name = "--tcp-read-timeout", .arg = "SECONDS",
     .help = "close a TCP connection whose query frame stays incomplete\nthis long (default 3)",
     .min = 1, .max = 3600, .what = "seconds",
     .number = [](options& o, uint64_t n) { o.server.tcp_read_timeout_ms = n * 1000; }},
    {.name = "--tcp-write-timeout", .arg = "SECONDS",
     .help = "close a TCP connection whose response stays unsent this\n"
             "long: a client that does not read (default 5)",
     .min = 1, .max = 3600, .what = "seconds",
     .number = [](options& o, uint64_t n) { o.server.tcp_write_timeout_ms = n * 1000; }},
    {.name = "--udp-coalesce-us", .arg = "N",
     .help = "under load (16+ queries queued), wait N microseconds before\n"
             "reading again: less CPU per query for at most N us more\n"
             "latency; 0 = off (default 200, 0..1000)",
     .min = 0, .max = 1000, .what = "microseconds",
     .number = [](options& o, uint64_t n) { o.server.udp_coalesce_us = uint32_t(n); }},
    {.name = "--rrl-rate", .arg = "N",
     .help = "response rate limiting of UDP replies: at most N per second\n"
             "per client prefix and answer (or NXDOMAIN zone, or errors);\n"
             "0 = off (default 0, 0..1000000). TCP is never limited",
     .min = 0, .max = 1'000'000, .what = "replies per second",
     .number = [](options& o, uint64_t n) { o.server.rrl.rate = uint32_t(n); }},
    {.name = "--rrl-slip", .arg = "N",
     .help = "every Nth limited reply is sent truncated (TC=1) so real\n"
             "clients retry over TCP, the others are dropped; 0 = drop\n"
             "all, 1 = truncate all (default 2, 0..10)",
     .min = 0, .max = 10, .what = "a number",
     .number = [](options& o, uint64_t n) { o.server.rrl.slip = uint32_t(n); }},
    {.name = "--rrl-window", .arg = "SECONDS",
     .help = "a client stays limited until its rate averaged over this\n"
             "long is under N (default 5, 1..3600)",
     .min = 1, .max = 3600, .what = "seconds",
     .number = [](options& o, uint64_t n) { o.server.rrl.window = uint32_t(n); }},
    {.name = "--rrl-ipv4-prefix", .arg = "BITS",
     .help = "IPv4 clients sharing this prefix share a limit (default 24)",
     .min = 1, .max = 32, .what = "prefix bits",
     .number = [](options& o, uint64_t n) { o.server.rrl.ipv4_prefix = uint8_t(n); }},
    {.name = "--rrl-ipv6-prefix", .arg = "BITS",
     .help = "same for IPv6 (default 56)",
     .min = 1, .max = 128, .what = "prefix bits",
     .number = [](options& o, uint64_t n) { o.server.rrl.ipv6_prefix = uint8_t(n); }},
    {.name = "--rrl-exempt", .arg = "PREFIX",
     .help = "never limit these clients (10.0.0.0/8, 2001:db8::/32, or an\n"
             "address), repeatable",
     .text = [](options& o, std::string_view v, std::string& err) {
       auto p = wire::parse_prefix(v, err);
       if (!p) err = "--rrl-exempt: " + err;
       else o.server.rrl.exempt.push_back(*p);
       return bool(p);
     },
     .repeatable = true},
    {.name = "--rrl-table-size", .arg = "N",
     .help = "clients x answers tracked per UDP socket (default 65536,\n"
             "64..16777216; 24 bytes each)",
     .min = 64, .max = 16'777'216, .what = "entries",
     .number = [](options& o, uint64_t n) { o.server.rrl.table_size = uint32_t(n); }},
    {.name = "--http", .arg = "ADDR:PORT",
     .help = "serve /metrics (Prometheus) on this address, on a thread of its\n"
             "own; a non-loopback address needs --http-allow (default: off)",
     .text = [](options& o, std::string_view v, std::string& err) {
       auto ep = net::parse_endpoint(v, err);
       if (!ep) err = "--http: " + err;
       else o.http = *ep;
       return bool(ep);
     }},
    {.name = "--http-allow", .arg = "PREFIX",
     .help = "clients besides loopback that may use --http, repeatable",
     .text = [](options& o, std::string_view v, std::string& err) {
       auto p = wire::parse_prefix(v, err);
       if (!p) err = "--http-allow: " + err;
       else o.http_allow.push_back(*p);
       return bool(p);
     },
     .repeatable = true},
    {.name = "--workers", .arg = "N",
     .help = "DNS event loops, one thread each, spread by SO_REUSEPORT\n(default 1)",
     .min = 1, .max = 64, .what = "a number",
     .number = [](options& o, uint64_t n) { o.workers = size_t(n); }},
    {.name = "--control", .arg = "PATH",
     .help = "Unix socket for the sipdns command: status, drain,\n"
             "undrain, reload (default: none)",
     .text = [](options& o, std::string_view v, std::string& err) {
       if (!non_empty("--control", v, err)) return false;
       o.control = std::string(v);
       return true;
     }},
    {.name = "--state-dir", .arg = "DIR",
     .help = "keep drains and each zone's last SOA serial here, so a restart\n"
             "neither undrains a peer nor moves a serial back (created if\n"
             "missing; default: none, nothing survives a restart)",
     .text = [](options& o, std::string_view v, std::string& err) {
       if (!non_empty("--state-dir", v, err)) return false;
       o.state_dir = std::string(v);
       return true;
     }},
    {.name = "--user", .arg = "NAME",
     .help = "started as root: bind the listeners, open --state-dir and\n"
             "--control, then become NAME (its groups, no capabilities);\n"
             "the state directory becomes NAME's (default: stay as started)",
     .text = [](options& o, std::string_view v, std::string& err) {
       o.user = find_user(v, err);
       if (!o.user) err = "--user: " + err;
       return o.user.has_value();
    }},
    {.name = "--query-log", .arg = "FILE",
     .help = "append one line per reply to FILE, written by a thread of its own\n"
             "(a full buffer drops lines and counts them); SIGHUP reopens it\n"
             "(default: off)",
     .text = [](options& o, std::string_view v, std::string& err) {
       if (!non_empty("--query-log", v, err)) return false;
       o.query_log = std::string(v);
       return true;
     }},
    {.name = "--allow-transfer", .arg = "ACL",
     .help = "who may transfer every zone over TCP (AXFR, IXFR): PREFIX\n"
             "(192.0.2.0/24, 2001:db8::/48, one address), key:NAME (signed\n"
             "with that TSIG key), or PREFIX,key:NAME (both); repeatable\n"
             "(default: no one)",
     .text = [](options& o, std::string_view v, std::string& err) {
       auto e = xfr::parse_acl_entry(v, err);
       if (!e) err = "--allow-transfer: " + err;
       else o.allow_transfer.allow(std::move(*e));
       return bool(e);
     },
     .repeatable = true},
    {.name = "--notify", .arg = "ADDR:PORT[,key:NAME]",
     .help = "send NOTIFY to this secondary whenever a zone's serial\n"
             "changes (and at start-up), retried until it answers,\n"
             "signed with the TSIG key NAME if given; repeatable",
     .text = [](options& o, std::string_view v, std::string& err) {
       options::notify_target t;
       std::string_view addr = v.substr(0, v.find(','));
       auto ep = net::parse_endpoint(addr, err);
       if (ep && addr.size() < v.size()) t.key = xfr::parse_key_ref(v.substr(addr.size() + 1), err);
       if (!ep || (addr.size() < v.size() && t.key.empty())) {
         err = "--notify: " + err;
         return false;
       }
       t.to = *ep;
       o.notify.push_back(std::move(t));
       return true;
     },
     .repeatable = true},
    {.name = "--tsig-key-file", .arg = "FILE",
     .help = "TSIG keys in the format tsig-keygen writes\n"
             "(key \"name\" { algorithm hmac-sha256; secret \"...\"; };),\n"
             "for key:NAME in --allow-transfer and --notify; repeatable",
     .text = [](options& o, std::string_view v, std::string& err) {
       if (!xfr::read_key_file(std::string(v), o.keys, err)) {
         err = "--tsig-key-file: " + err;
         return false;
       }
       return true;
     },
     .repeatable = true},
    {.name = "--help", .alias = "-h", .help = "show this help",
     .text = [](options& o, std::string_view, std::string&) { return o.help = true; },
     .command_line_only = true},
    {.name = "--version", .alias = "-V", .help = "show the version",
     .text = [](options& o, std::string_view, std::string&) { return o.version = true; },
     .command_line_only = true},
};

// One value for `d`; false with `err` naming the flag when it is refused.
bool apply_value(const option_def& d, std::string_view value, options& out, std::string& err) {
  if (!d.number) return d.text(out, value, err);
  uint64_t n = 0;
  if (!parse_number(value, d.max, n) || n < d.min) {
    err = std::string(d.name) + ": expected " + d.what + " in " + std::to_string(d.min) + ".." +
          std::to_string(d.max) + ", got \"" + std::string(value) + "\"";
    return false;
  }
  d.number(out, n);
  return true;
}

// A setting from the file is refused as "FILE:LINE:COLUMN: key: why", in the file's words.
bool apply(const setting& s, options& out, std::string& err) {
  if (apply_value(*s.def, s.value, out, err)) return true;
  if (s.where.empty()) return false;
  const std::string flag(s.def->name);
  if (err.starts_with(flag + ":")) err.erase(0, 2);  // "--listen: ..." -> "listen: ..."
  err = s.where + ": " + err;
  return false;
}

// The command line as settings, in order; "--flag=value" and "--flag value" alike.
bool read_command_line(int argc, const char* const* argv, std::vector<setting>& out,
                       std::string& err) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_inline = false;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline = true;
    }
    const option_def* d = detail::find_option(arg);
    if (!d) {
      err = "unknown argument \"" + std::string(argv[i]) + "\"";
      return false;
    }
    if (!d->arg.empty() && !has_inline) {
      if (i + 1 >= argc) {
        err = std::string(arg) + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    out.push_back({d, std::string(value), {}});
  }
  return true;
}

// The file's settings first, then the command line's: a flag on the command line replaces
// the file's key of that name (all of its values, for a repeatable flag), so one rule holds
// for every flag and `--listen` can move a server configured by a file.
bool with_config_file(options& out, std::vector<setting> cli, std::vector<setting>& all,
                      std::string& err) {
  for (const setting& s : cli)
    if (s.def->name == "--config" && !apply(s, out, err)) return false;
  if (!out.config_file.empty()) {
    std::vector<setting> file;
    if (!detail::read_config_file(out.config_file, file, err)) return false;
    for (setting& f : file) {
      bool replaced = false;
      for (const setting& c : cli) replaced = replaced || c.def == f.def;
      if (!replaced) all.push_back(std::move(f));
    }
  }
  for (setting& c : cli)
    if (c.def->name != "--config") all.push_back(std::move(c));
  return true;
}

std::string make_usage() {
  constexpr size_t column = 26;  // help text starts after "  " + column + " "
  std::string u =
      "usage: sipdnsd [options]\n"
      "\n"
      "Authoritative DNS server for SIP/H.323 cluster discovery.\n"
      "\n";
  for (const option_def& d : option_table) {
    std::string flag(d.name);
    if (!d.arg.empty()) flag.append(" ").append(d.arg);
    u.append("  ").append(flag).append(flag.size() < column ? column - flag.size() : 0, ' ');
    u += ' ';
    for (char c : d.help) {
      u += c;
      if (c == '\n') u.append(column + 3, ' ');
    }
    u += '\n';
  }
  u += "\n"
       "Signals: SIGHUP reloads the zones (the old ones keep serving if the new ones have\n"
       "errors); SIGINT and SIGTERM stop the server.\n";
  return u;
}

}  // namespace

const option_def* detail::find_option(std::string_view arg) {
  for (const option_def& d : option_table)
    if (arg == d.name || (!d.alias.empty() && arg == d.alias)) return &d;
  return nullptr;
}

const std::string& usage_text() {
  static const std::string text = make_usage();
  return text;
}

bool parse_options(int argc, const char* const* argv, options& out, std::string& err) {
  std::vector<setting> cli, all;
  if (!read_command_line(argc, argv, cli, err) || !with_config_file(out, std::move(cli), all, err))
    return false;
  bool rrl_rate_given = false;
  std::string rrl_tuning;  // the first other --rrl-* flag, for the warning below
  for (const setting& s : all) {
    if (!apply(s, out, err)) return false;
    if (s.def->name == "--rrl-rate") rrl_rate_given = true;
    else if (s.def->name.starts_with("--rrl-") && rrl_tuning.empty())
      rrl_tuning = std::string(s.def->name);
  }
  if (!rrl_tuning.empty() && !rrl_rate_given)
    out.warnings.push_back(rrl_tuning +
                           " has no effect without --rrl-rate: response rate limiting is off");
  if (out.server.listen.empty()) {
    std::string ignored;
    out.server.listen.push_back(*net::parse_endpoint("127.0.0.1:5353", ignored));
  }
  if (out.zones.empty()) out.zones.push_back("zones/");
  // Keys are named before they are defined, or after: checked once every flag is read.
  auto known = [&](const std::string& key, const char* flag) {
    if (key.empty() || out.keys.count(key)) return true;
    err = std::string(flag) + ": key:" + wire::name_to_text(key) +
          " is in no --tsig-key-file";
    return false;
  };
  for (const auto& e : out.allow_transfer.entries())
    if (!known(e.key, "--allow-transfer")) return false;
  for (const auto& t : out.notify)
    if (!known(t.key, "--notify")) return false;
  if (out.http && !http::is_loopback(out.http->sa()) && out.http_allow.empty()) {
    err = "--http " + net::to_string(out.http->sa()) +
          " is not a loopback address: add --http-allow PREFIX for the clients that may use it";
    return false;
  }
  return true;
}

}  // namespace sipdns::daemon
