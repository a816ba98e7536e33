// sipdnsd's command line (daemon/options.hpp): defaults, every flag, the errors that name the
// flag, and a usage text that lists exactly the flags that parse.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/options.hpp"
#include "rrl/limiter.hpp"

using namespace sipdns;

namespace {

bool parse(std::vector<const char*> args, daemon::options& o, std::string& err) {
  args.insert(args.begin(), "sipdnsd");
  return daemon::parse_options(int(args.size()), args.data(), o, err);
}

// A key file as tsig-keygen writes it, named "xfr-key"; the path stays valid for the run.
std::string write_key_file() {
  static const std::string path = [] {
    char p[] = "/tmp/sipdns-options-key-XXXXXX";
    int fd = mkstemp(p);
    const std::string text =
        "key \"xfr-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"c2lwZG5zLXRlc3Q=\";\n};\n";
    if (fd >= 0) {
      (void)!write(fd, text.data(), text.size());
      close(fd);
    }
    return std::string(p);
  }();
  return path;
}

}  // namespace

TEST_CASE("command line") {
  std::string err;
  SUBCASE("defaults") {
    daemon::options o;
    REQUIRE(parse({}, o, err));
    REQUIRE(o.server.listen.size() == 1);
    CHECK(net::to_string(o.server.listen[0].sa()) == "127.0.0.1:5353");
    CHECK(o.zones == std::vector<std::string>{"zones/"});
    CHECK(o.server.tcp_idle_timeout_ms == 10'000);
    CHECK(o.server.tcp_max_connections == 256);
    CHECK(o.server.tcp_max_per_client == 32);
    CHECK(o.server.tcp_read_timeout_ms == 3000);
    CHECK(o.server.tcp_write_timeout_ms == 5000);
    CHECK(o.server.udp_coalesce_us == 200);
    CHECK_FALSE(o.server.rrl.enabled());  // RRL is off unless --rrl-rate is given
    CHECK(o.server.rrl.slip == 2);
    CHECK(o.server.rrl.window == 5);
    CHECK(o.server.rrl.ipv4_prefix == 24);
    CHECK(o.server.rrl.ipv6_prefix == 56);
    CHECK(o.server.rrl.exempt.empty());  // not even loopback
  }
  SUBCASE("rate limiting flags") {
    daemon::options o;
    REQUIRE(parse({"--rrl-rate", "20", "--rrl-slip=0", "--rrl-window", "15",
                   "--rrl-ipv4-prefix", "32", "--rrl-ipv6-prefix", "64", "--rrl-table-size",
                   "1024", "--rrl-exempt", "10.0.0.0/8", "--rrl-exempt", "2001:db8::1"},
                  o, err));
    CHECK(o.server.rrl.enabled());
    CHECK(o.server.rrl.rate == 20);
    CHECK(o.server.rrl.slip == 0);
    CHECK(o.server.rrl.window == 15);
    CHECK(o.server.rrl.ipv4_prefix == 32);
    CHECK(o.server.rrl.ipv6_prefix == 64);
    CHECK(o.server.rrl.table_size == 1024);
    CHECK(o.warnings.empty());
    REQUIRE(o.server.rrl.exempt.size() == 2);
    CHECK(wire::to_string(o.server.rrl.exempt[0]) == "10.0.0.0/8");
    CHECK(wire::to_string(o.server.rrl.exempt[1]) == "2001:db8::1/128");
    CHECK_FALSE(parse({"--rrl-exempt", "10.0.0.1/8"}, o, err));
    CHECK(err == "--rrl-exempt: \"10.0.0.1/8\" has host bits set; did you mean 10.0.0.0/8?");
  }
  SUBCASE("rate limiting tuned but not turned on: a warning, not silence") {
    daemon::options o;
    REQUIRE(parse({"--rrl-slip", "1", "--rrl-exempt", "10.0.0.0/8"}, o, err));
    CHECK_FALSE(o.server.rrl.enabled());
    REQUIRE(o.warnings.size() == 1);
    CHECK(o.warnings[0] ==
          "--rrl-slip has no effect without --rrl-rate: response rate limiting is off");
    daemon::options off;
    REQUIRE(parse({"--rrl-rate", "0", "--rrl-slip", "1"}, off, err));  // explicitly off: fine
    CHECK(off.warnings.empty());
  }
  SUBCASE("repeated and valued flags") {
    daemon::options o;
    REQUIRE(parse({"--listen", "127.0.0.1:1", "--listen=[::1]:2", "--zones", "a", "--zones=b",
                   "--tcp-idle-timeout", "3", "--tcp-max-connections", "4",
                   "--udp-coalesce-us", "0", "--tcp-max-per-client", "5",
                   "--tcp-read-timeout=2", "--tcp-write-timeout", "7"},
                  o, err));
    CHECK(o.server.tcp_max_per_client == 5);
    CHECK(o.server.tcp_read_timeout_ms == 2000);
    CHECK(o.server.tcp_write_timeout_ms == 7000);
    CHECK(o.server.listen.size() == 2);
    CHECK(o.zones == std::vector<std::string>{"a", "b"});
    CHECK(o.server.tcp_idle_timeout_ms == 3000);
    CHECK(o.server.tcp_max_connections == 4);
    CHECK(o.server.udp_coalesce_us == 0);
  }
  SUBCASE("help and version") {
    daemon::options o;
    REQUIRE(parse({"--help", "--version"}, o, err));
    CHECK(o.help);
    CHECK(o.version);
  }
  SUBCASE("errors name the flag") {
    for (auto args : std::vector<std::vector<const char*>>{{"--listen"},
                                                           {"--listen", "nope"},
                                                           {"--tcp-idle-timeout", "0"},
                                                           {"--tcp-idle-timeout", "-1"},
                                                           {"--tcp-max-connections", "x"},
                                                           {"--udp-coalesce-us", "1001"},
                                                           {"--rrl-rate", "-1"},
                                                           {"--rrl-rate", "1000001"},
                                                           {"--rrl-slip", "11"},
                                                           {"--rrl-window", "0"},
                                                           {"--rrl-ipv4-prefix", "33"},
                                                           {"--rrl-ipv6-prefix", "0"},
                                                           {"--rrl-table-size", "63"},
                                                           {"--rrl-exempt", "nope"},
                                                           {"--rrl-exempt"},
                                                           {"--rrl-bogus", "1"},
                                                           {"--tcp-max-per-client", "0"},
                                                           {"--tcp-max-per-client"},
                                                           {"--tcp-read-timeout", "0"},
                                                           {"--tcp-read-timeout", "3601"},
                                                           {"--tcp-write-timeout", "x"},
                                                           {"--tcp-write-timeout", "-5"},
                                                           {"--zones", ""},
                                                           {"--bogus"}}) {
      daemon::options o;
      CAPTURE(args[0]);
      CHECK_FALSE(parse(args, o, err));
      CHECK(err.find(args[0]) != std::string::npos);
    }
  }
}

TEST_CASE("the usage text lists every flag, and every flag it lists parses") {
  const std::string& usage = daemon::usage_text();
  const std::string key_path = write_key_file();
  CHECK(usage.starts_with("usage: sipdnsd [options]\n"));
  std::istringstream in(usage);
  std::string line;
  int flags = 0;
  while (std::getline(in, line)) {
    CHECK(line.size() <= 100);
    if (!line.starts_with("  --")) continue;
    std::istringstream words(line);
    std::string flag, arg;
    words >> flag >> arg;
    CAPTURE(flag);
    ++flags;
    daemon::options o;
    std::string err;
    // A value of the right shape for each placeholder (a number: 1, or 64 where 1 is below
    // the range); switches take none.
    std::vector<const char*> args{flag.c_str()};
    if (arg == "ADDR:PORT" || arg == "ADDR:PORT[,key:NAME]") args.push_back("127.0.0.1:53");
    else if (arg == "PATH" || arg == "DIR") args.push_back("zones/");
    else if (arg == "PREFIX" || arg == "ACL")
      args.push_back("10.0.0.0/8");
    else if (flag == "--config") args.push_back("docker/sipdnsd.toml");
    else if (arg == "FILE") args.push_back(key_path.c_str());
    else if (arg == "N" || arg == "SECONDS" || arg == "BITS") args.push_back("1");
    else if (arg == "NAME") args.push_back("nobody");  // in every Debian passwd
    bool ok = parse(args, o, err);
    if (!ok && args.size() == 2 && args[1] == std::string("1")) {
      args[1] = "64";
      ok = parse(args, o, err);
    }
    CHECK_MESSAGE(ok, err);
  }
  CHECK(flags == 28);
  std::string err;
  daemon::options o;
  CHECK_FALSE(parse({"--not-in-usage"}, o, err));
  CHECK(err == "unknown argument \"--not-in-usage\"");
}

TEST_CASE("--state-dir takes a directory; without it nothing is kept") {
  daemon::options o;
  std::string err;
  CHECK(o.state_dir.empty());
  REQUIRE(parse({"--state-dir", "/var/lib/sipdns"}, o, err));
  CHECK(o.state_dir == "/var/lib/sipdns");
  daemon::options e;
  CHECK_FALSE(parse({"--state-dir", ""}, e, err));
}

TEST_CASE("--user: resolved when read; an unknown user or root is a usage error") {
  daemon::options o;
  std::string err;
  CHECK_FALSE(o.user);
  REQUIRE(parse({"--user", "nobody"}, o, err));
  REQUIRE(o.user);
  CHECK(o.user->name == "nobody");
  CHECK(o.user->uid == 65534);
  daemon::options unknown;
  CHECK_FALSE(parse({"--user", "no-such-user-sipdns"}, unknown, err));
  CHECK(err == "--user: no user \"no-such-user-sipdns\"");
  daemon::options root;
  CHECK_FALSE(parse({"--user", "root"}, root, err));
  CHECK(err == "--user: \"root\" is root (uid 0): name an unprivileged user");
}

TEST_CASE("--query-log takes a file; off by default") {
  daemon::options o;
  std::string err;
  CHECK(o.query_log.empty());
  REQUIRE(parse({"--query-log", "/var/log/sipdns/queries.log"}, o, err));
  CHECK(o.query_log == "/var/log/sipdns/queries.log");
  daemon::options e;
  CHECK_FALSE(parse({"--query-log", ""}, e, err));
}

TEST_CASE("--allow-transfer: prefixes, keys, repeatable; a bad one names the flag") {
  std::string err;
  daemon::options o;
  const std::string key_path = write_key_file();
  REQUIRE(parse({"--allow-transfer", "192.0.2.0/24", "--allow-transfer", "::1,key:xfr-key",
                 "--notify", "127.0.0.1:53,key:xfr-key", "--tsig-key-file", key_path.c_str()},
                o, err));
  REQUIRE(o.allow_transfer.entries().size() == 2);
  CHECK(wire::to_string(*o.allow_transfer.entries()[0].prefix) == "192.0.2.0/24");
  CHECK(wire::to_string(*o.allow_transfer.entries()[1].prefix) == "::1/128");
  CHECK(o.allow_transfer.entries()[1].key.size() == 9);  // \x07xfr-key\x00
  REQUIRE(o.notify.size() == 1);
  CHECK(o.notify[0].key == o.allow_transfer.entries()[1].key);
  daemon::options missing;
  CHECK_FALSE(parse({"--allow-transfer", "key:other"}, missing, err));
  CHECK(err == "--allow-transfer: key:other. is in no --tsig-key-file");
  daemon::options bad;
  CHECK_FALSE(parse({"--allow-transfer", "192.0.2.1/24"}, bad, err));
  CHECK(err.rfind("--allow-transfer: ", 0) == 0);
  CHECK(err.find("host bits") != std::string::npos);
}
