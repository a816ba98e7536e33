// The sipdnsd command line (and the --config file it may name), parsed into typed options once
// at start-up.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/privileges.hpp"
#include "net/server.hpp"
#include "wire/prefix.hpp"
#include "xfr/acl.hpp"
#include "xfr/tsig.hpp"

namespace sipdns::daemon {

// What the daemon was asked to run: the network layer's own configuration plus what only the
// daemon wires (zones, the control socket, the number of loops).
struct options {
  net::server_config server;
  std::vector<std::string> zones;  // files or directories, in the order given
  std::string control;             // Unix socket for status/drain/reload; empty = none
  std::string state_dir;           // drains and served serials across restarts; empty = none
  std::optional<run_as> user;      // --user: becomes this user once listening; none = stay
  std::string query_log;           // --query-log FILE: one line per reply; empty = off
  size_t workers = 1;              // DNS event loops (threads), each with its own sockets
  xfr::acl allow_transfer;         // who may AXFR/IXFR; empty = no one (REFUSED)
  struct notify_target {
    net::endpoint to;
    std::string key;  // TSIG key (wire name) to sign with; empty: unsigned
  };
  std::vector<notify_target> notify;  // secondaries told of every serial change (RFC 1996)
  std::map<std::string, xfr::tsig_key> keys;  // --tsig-key-file, by wire name
  std::optional<net::endpoint> http;          // --http: the metrics endpoint; none = off
  std::vector<wire::prefix> http_allow;       // --http-allow
  std::string config_file;                     // --config; empty = none
  bool help = false;
  bool version = false;
  // Flags that parse but change nothing as given (e.g. --rrl-slip without --rrl-rate): the
  // server starts and says so, rather than leave an operator believing they took effect.
  std::vector<std::string> warnings;
};

// Returns false with a message in `err` on a usage error. With --config FILE the file's keys
// are read first; a flag on the command line replaces the file's key of the same name.
bool parse_options(int argc, const char* const* argv, options& out, std::string& err);

// The --help text, made from the same table that parse_options reads.
const std::string& usage_text();

}  // namespace sipdns::daemon
