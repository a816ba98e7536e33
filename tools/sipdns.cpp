// sipdns: the operator's command line. Reuses the zone library; never re-parses on its own.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "export/export.hpp"
#include "import/import.hpp"
#include "lint/check.hpp"
#include "resolve/command.hpp"

namespace {

using namespace sipdns;

void usage(FILE* to) {
  std::fputs(
      "usage: sipdns <command> [options]\n"
      "\n"
      "commands:\n"
      "  check  PATH...   load zone files or directories, print every diagnostic and what\n"
      "                   the lint rules find; exit 0 when they would load, 1 otherwise\n"
      "    --format F     text (default) or json: an array of {file, line, column,\n"
      "                   severity, id, message, hint}\n"
      "    --strict       exit 2 when a warning is found\n"
      "  export PATH...   print every zone, clusters expanded, as RFC 1035 zone files\n"
      "                   (what a BIND/NSD/Knot secondary or a migration needs)\n"
      "  import FILE      read an RFC 1035 zone file (BIND, NSD, Knot, Windows DNS export),\n"
      "                   print it as a TOML zone, SRV/NAPTR/A sets as [[cluster]] where\n"
      "                   that is lossless\n"
      "    --origin NAME  the zone's origin, when the file has no $ORIGIN before its SOA\n"
      "  status           health of every probed peer, the drained ones, reload counters,\n"
      "                   the snapshot generation, zones, what each cluster answers now,\n"
      "                   recent transitions and secondaries\n"
      "    --format F     text (default) or json: the same as one JSON object\n"
      "  drain HOST       take a peer out of SRV and round-robin answers (survives reloads,\n"
      "                   and restarts with sipdnsd --state-dir)\n"
      "    --service S    only out of service S's SRV (and the round-robin), e.g. sip+udp\n"
      "  undrain HOST     put it back (with --service S: what drain --service S took out)\n"
      "  reload           reload the zone files (like SIGHUP)\n"
      "  resolve TARGET   what a SIP endpoint does with DNS (RFC 3263, RFC 2782): the targets\n"
      "                   it tries in order and the records behind each; TARGET is a domain,\n"
      "                   sip:user@domain[;transport=udp|tcp|tls], sips:... or sip:host:port\n"
      "    --server A:P   the DNS server to ask (default: /etc/resolv.conf's)\n"
      "    --transport T  the endpoint supports only T: udp, tcp or tls\n"
      "    --repeat N     N runs (1..100000): how often each target comes first\n"
      "    --seed N       the random source's seed (same seed, same order)\n"
      "    --format F     text (default) or json\n"
      "    --h323         H.323 instead: SRV _h323cs._tcp and _h323ls._udp\n"
      "  --version        print the version\n"
      "\n"
      "status, drain, undrain and reload talk to a running sipdnsd through its control socket:\n"
      "  --control PATH   the path given to sipdnsd --control (default /run/sipdnsd.sock)\n",
      to);
}

// Closes the control socket on every return path.
struct fd_owner {
  int fd;
  explicit fd_owner(int f) : fd(f) {}
  ~fd_owner() {
    if (fd >= 0) ::close(fd);
  }
  fd_owner(const fd_owner&) = delete;
  fd_owner& operator=(const fd_owner&) = delete;
};

// Sends one command line to sipdnsd's control socket and prints the reply.
int control(const std::string& path, const std::string& line) {
  fd_owner sock(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (sock.fd < 0 || path.size() >= sizeof addr.sun_path) {
    std::fprintf(stderr, "sipdns: bad control socket path %s\n", path.c_str());
    return 2;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    std::fprintf(stderr, "sipdns: cannot reach sipdnsd at %s: %s (is it running with --control?)\n",
                 path.c_str(), std::strerror(errno));
    return 1;
  }
  std::string msg = line + "\n";
  if (::write(sock.fd, msg.data(), msg.size()) != ssize_t(msg.size())) return 1;
  std::string reply;
  char buf[4096];
  for (ssize_t n; (n = ::read(sock.fd, buf, sizeof buf)) > 0;) reply.append(buf, size_t(n));
  std::fputs(reply.c_str(), stdout);
  return reply.starts_with("error") ? 1 : 0;
}

// `status --format text|json` (or --format=F) as the protocol's "status json"; false on a
// bad option (said on stderr).
bool format_arg(const std::vector<std::string>& args, size_t& i, std::string& line) {
  std::string f;
  if (args[i] == "--format" && i + 1 < args.size()) f = args[++i];
  else if (args[i].starts_with("--format=")) f = args[i].substr(9);
  else {
    std::fprintf(stderr, "sipdns status: unknown option \"%s\"\n", args[i].c_str());
    return false;
  }
  if (f == "json") line = "status json";
  else if (f != "text") {
    std::fprintf(stderr, "sipdns status: --format is text or json, not \"%s\"\n", f.c_str());
    return false;
  }
  return true;
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
  if (cmd == "status" || cmd == "drain" || cmd == "undrain" || cmd == "reload") {
    std::string path = "/run/sipdnsd.sock", line = cmd;
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--control" && i + 1 < args.size()) path = args[++i];
      else if (args[i].starts_with("--control=")) path = args[i].substr(10);
      else if (cmd == "status" && !format_arg(args, i, line)) return 2;
      else if (cmd != "status") line += " " + args[i];
    }
    if ((cmd == "drain" || cmd == "undrain") && line == cmd) {
      std::fprintf(stderr, "sipdns %s: give the peer's host name\n", cmd.c_str());
      return 2;
    }
    return control(path, line);
  }
  if (cmd == "check") return lint::check_command(args);
  if (cmd == "export") return tools::export_zones(args);
  if (cmd == "import") return tools::import_zone(args);
  if (cmd == "resolve") return resolve::run_command(args);
  std::fprintf(stderr, "sipdns: unknown command \"%s\"\n", cmd.c_str());
  usage(stderr);
  return 2;
}
