// sipdns: the operator's command line. Reuses the zone library; never re-parses on its own.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "compile/build.hpp"
#include "resolve/command.hpp"
#include "wire/c_ptr.hpp"
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

// Loads and prints diagnostics; returns the zone set or nullopt on errors.
std::optional<zone::zone_set> load(const std::vector<std::string>& paths) {
  zone::load_result r = zone::load(paths);
  for (const auto& d : r.diagnostics) std::fprintf(stderr, "%s\n", zone::format(d).c_str());
  return std::move(r.zones);
}

int check(const std::vector<std::string>& paths) {
  auto zones = load(paths);
  if (!zones) return 1;
  // Compile as the server would: some limits (an answer too big for one message) only show
  // when answers are built, and "check says ok" must mean "the server will load it".
  std::vector<zone::expanded_zone> expanded = zone::derive(*zones);
  try {
    compile::build(expanded);
  } catch (const compile::build_error& e) {
    std::fprintf(stderr, "%s\n", zone::format(e.diagnostic).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  size_t records = 0;
  for (const auto& z : expanded) records += z.records.size();
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
  wire::c_ptr<ldns_rr, ldns_rr_free> owned(rr);
  wire::c_string text(ldns_rr2str(rr));
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
  if (cmd == "check") return check(args);
  if (cmd == "resolve") return resolve::run_command(args);
  if (cmd == "export") return export_zones(args);
  std::fprintf(stderr, "sipdns: unknown command \"%s\"\n", cmd.c_str());
  usage(stderr);
  return 2;
}
