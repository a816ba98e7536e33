// sipdnsd --config FILE (daemon/config_file.hpp through parse_options): every kind of key, the
// rule that a command-line flag replaces the file's key, each error at its file:line:column,
// and the bundled example (docker/sipdnsd.toml), which must parse and list every flag.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/options.hpp"

using namespace sipdns;

namespace {

const std::string& temp_dir() {
  static const std::string dir = [] {
    char p[] = "/tmp/sipdns-config-XXXXXX";
    return std::string(mkdtemp(p) ? p : "/tmp");
  }();
  return dir;
}

// Writes `text` to DIR/NAME and returns the path.
std::string write_file(const std::string& name, const std::string& text) {
  std::string path = temp_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// A key file as tsig-keygen writes it, named "xfr-key".
std::string key_file() {
  return write_file(
      "xfr.key",
      "key \"xfr-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"c2lwZG5zLXRlc3Q=\";\n};\n");
}

bool parse(std::vector<std::string> args, daemon::options& o, std::string& err) {
  std::vector<const char*> argv{"sipdnsd"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return daemon::parse_options(int(argv.size()), argv.data(), o, err);
}

// Parses a config file holding `text`; false with the error in `err`.
bool parse_config(const std::string& text, daemon::options& o, std::string& err,
                  std::vector<std::string> more = {}) {
  more.insert(more.begin(), {"--config", write_file("case.toml", text)});
  return parse(more, o, err);
}

std::string case_path() { return temp_dir() + "/case.toml"; }

}  // namespace

TEST_CASE("config file: each kind of key sets what its flag sets") {
  daemon::options o;
  std::string err;
  const std::string text =
      "listen = [\"127.0.0.1:5300\", \"[::1]:5300\"]\n"
      "zones = \"zones/uctest.local.toml\"\n"
      "tcp-idle-timeout = 20\n"
      "workers = 2\n"
      "control = \"/run/test.sock\"\n"
      "state-dir = \"/var/lib/sipdns\"\n"
      "rrl-rate = 5\n"
      "rrl-exempt = \"10.0.0.0/8\"\n"
      "tsig-key-file = \"" +
      key_file() +
      "\"\n"
      "allow-transfer = [\"127.0.0.0/8,key:xfr-key\", \"192.0.2.1\"]\n"
      "notify = \"127.0.0.1:53,key:xfr-key\"\n";
  REQUIRE_MESSAGE(parse_config(text, o, err), err);
  CHECK(o.config_file == case_path());
  REQUIRE(o.server.listen.size() == 2);
  CHECK(net::to_string(o.server.listen[0].sa()) == "127.0.0.1:5300");
  CHECK(net::to_string(o.server.listen[1].sa()) == "[::1]:5300");
  CHECK(o.zones == std::vector<std::string>{"zones/uctest.local.toml"});
  CHECK(o.server.tcp_idle_timeout_ms == 20'000);
  CHECK(o.workers == 2);
  CHECK(o.control == "/run/test.sock");
  CHECK(o.state_dir == "/var/lib/sipdns");
  CHECK(o.server.rrl.rate == 5);
  CHECK(o.server.rrl.exempt.size() == 1);
  CHECK(o.keys.size() == 1);
  CHECK(o.allow_transfer.entries().size() == 2);
  REQUIRE(o.notify.size() == 1);
  CHECK(o.notify[0].key == o.allow_transfer.entries()[0].key);
  CHECK(o.warnings.empty());

  daemon::options defaults;  // an empty file leaves every default
  REQUIRE(parse_config("# nothing\n", defaults, err));
  CHECK(defaults.zones == std::vector<std::string>{"zones/"});
  CHECK(defaults.server.listen.size() == 1);
  CHECK(defaults.workers == 1);

  daemon::options warned;  // the file's flags draw the command line's warnings
  REQUIRE(parse_config("rrl-slip = 1\n", warned, err));
  REQUIRE(warned.warnings.size() == 1);
  CHECK(warned.warnings[0].starts_with("--rrl-slip has no effect without --rrl-rate"));
}

TEST_CASE("config file: a flag on the command line replaces the file's key") {
  const std::string text =
      "listen = [\"127.0.0.1:5300\", \"[::1]:5300\"]\n"
      "zones = [\"a\", \"b\"]\n"
      "workers = 4\n"
      "tcp-idle-timeout = 20\n";
  std::string err;
  daemon::options o;
  REQUIRE(parse_config(text, o, err, {"--workers", "2", "--listen", "127.0.0.1:5400"}));
  CHECK(o.workers == 2);                 // single value: the command line's
  REQUIRE(o.server.listen.size() == 1);  // repeatable: the command line's list, not both
  CHECK(net::to_string(o.server.listen[0].sa()) == "127.0.0.1:5400");
  CHECK(o.zones == std::vector<std::string>{"a", "b"});  // not on the command line: the file's
  CHECK(o.server.tcp_idle_timeout_ms == 20'000);

  daemon::options before;  // where --config stands on the command line does not matter
  REQUIRE(parse({"--workers=3", "--config", case_path()}, before, err));
  CHECK(before.workers == 3);
  CHECK(before.zones == std::vector<std::string>{"a", "b"});

  daemon::options twice;  // several values of one flag on the command line all replace
  REQUIRE(parse_config(text, twice, err, {"--zones", "c", "--zones=d"}));
  CHECK(twice.zones == std::vector<std::string>{"c", "d"});
}

TEST_CASE("config file: every error says file:line:column") {
  const std::string p = case_path();
  struct error_case {
    std::string text, want;
  };
  const std::vector<error_case> cases{
      {"listen = \"127.0.0.1:1\"\nfoo = 1\n",
       p + ":2:1: unknown key \"foo\" (sipdnsd --help lists the flags)"},
      {"\"--listen\" = \"127.0.0.1:1\"\n",
       p + ":1:1: unknown key \"--listen\" (sipdnsd --help lists the flags)"},
      {"  config = \"other.toml\"\n", p + ":1:3: key \"config\" is for the command line only"},
      {"help = true\n", p + ":1:1: key \"help\" is for the command line only"},
      {"version = false\n", p + ":1:1: key \"version\" is for the command line only"},
      {"workers = \"2\"\n", p + ":1:11: workers: expected an integer (a number), got a string"},
      {"workers = 2.5\n", p + ":1:11: workers: expected an integer (a number), got a float"},
      {"control = [\"a\"]\n", p + ":1:11: control: expected a string (PATH), got an array"},
      {"zones = 1\n",
       p + ":1:9: zones: expected a string (PATH) or an array of strings, got an integer"},
      {"listen = [\"127.0.0.1:1\", 5]\n",
       p + ":1:26: listen: expected a string (ADDR:PORT), got an integer"},
      {"\n[listen]\nport = 1\n",
       p + ":2:1: listen: expected a string (ADDR:PORT) or an array of strings, got a table"},
      {"workers = 0\n", p + ":1:11: workers: expected a number in 1..64, got \"0\""},
      {"tcp-idle-timeout = -5\n",
       p + ":1:20: tcp-idle-timeout: expected seconds in 1..86400, got \"-5\""},
      {"zones = [\"a\", \"\"]\n", p + ":1:15: zones: empty path"},
  };
  for (const error_case& c : cases) {
    CAPTURE(c.text);
    daemon::options o;
    std::string err;
    CHECK_FALSE(parse_config(c.text, o, err));
    CHECK(err == c.want);
  }
  SUBCASE("a value its flag refuses: the position of that value, the flag's message") {
    daemon::options o;
    std::string err;
    CHECK_FALSE(parse_config("listen = [\"127.0.0.1:1\",\n  \"nope\"]\n", o, err));
    CHECK(err.starts_with(p + ":2:3: listen: "));
    daemon::options cli;  // the same value on the command line: the same message, by flag
    std::string cli_err;
    CHECK_FALSE(parse({"--listen", "nope"}, cli, cli_err));
    CHECK(err == p + ":2:3: " + cli_err.substr(2));
  }
  SUBCASE("TOML errors: toml++'s words, at its position") {
    daemon::options o;
    std::string err;
    CHECK_FALSE(parse_config("workers = 2\nlisten = \n", o, err));
    CHECK(err.starts_with(p + ":2:"));
    daemon::options twice;
    CHECK_FALSE(parse_config("workers = 2\nworkers = 3\n", twice, err));  // TOML: a key once
    CHECK(err.starts_with(p + ":2:"));
    CHECK(err.find("'workers'") != std::string::npos);
  }
  SUBCASE("the file itself") {
    daemon::options o;
    std::string err;
    CHECK_FALSE(parse({"--config", temp_dir() + "/missing.toml"}, o, err));
    CHECK(err ==
          "--config: " + temp_dir() + "/missing.toml: cannot read (No such file or directory)");
    daemon::options dir;
    CHECK_FALSE(parse({"--config", temp_dir()}, dir, err));
    CHECK(err == "--config: " + temp_dir() + ": is a directory, not a file");
    daemon::options twice;
    CHECK_FALSE(parse({"--config", case_path(), "--config", case_path()}, twice, err));
    CHECK(err == "--config: given twice; one configuration file only");
    daemon::options empty;
    CHECK_FALSE(parse({"--config", ""}, empty, err));
    CHECK(err == "--config: empty path");
  }
}

TEST_CASE("the example configuration parses and lists every flag") {
  const std::string example = "docker/sipdnsd.toml";
  daemon::options o;
  std::string err;
  REQUIRE_MESSAGE(parse({"--config", example}, o, err), err);
  CHECK(o.zones == std::vector<std::string>{"/etc/sipdns/zones"});

  std::ifstream in(example);
  std::stringstream text;
  text << in.rdbuf();
  std::istringstream usage(daemon::usage_text());
  std::string line;
  int listed = 0;
  while (std::getline(usage, line)) {
    if (!line.starts_with("  --")) continue;
    std::string key = line.substr(4, line.find(' ', 4) - 4);
    if (key == "config" || key == "help" || key == "version") continue;
    CAPTURE(key);
    ++listed;
    const std::string all = "\n" + text.str();
    CHECK((all.find("\n" + key + " = ") != std::string::npos ||
           all.find("\n# " + key + " = ") != std::string::npos));
  }
  CHECK(listed == 25);
}
