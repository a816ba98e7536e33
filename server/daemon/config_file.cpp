// Reading the --config file into settings (see config_file.hpp).
#include "daemon/config_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace sipdns::daemon::detail {
namespace {

std::string where(const std::string& path, const toml::source_region& r) {
  return path + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// What a key of this flag holds (or an element of its array), for the error of a wrong type.
std::string expected(const option_def& d, bool element) {
  if (d.arg.empty()) return "true or false";
  if (d.number) return "an integer (" + std::string(d.what) + ")";
  std::string one = "a string (" + std::string(d.arg) + ")";
  return d.repeatable && !element ? one + " or an array of strings" : one;
}

// One value as the command line would spell it; nothing when its TOML type is wrong.
std::optional<std::string> as_flag_value(const option_def& d, const toml::node& n) {
  if (d.number) {
    if (const auto* i = n.as_integer()) return std::to_string(i->get());
    return std::nullopt;
  }
  if (const auto* s = n.as_string()) return s->get();
  return std::nullopt;
}

bool read_key(const std::string& path, const toml::key& k, const toml::node& n,
              std::vector<setting>& out, std::string& err) {
  const std::string key(k.str());
  auto fail = [&](const toml::source_region& at, const std::string& why) {
    err = where(path, at) + ": " + why;
    return false;
  };
  // "--" + key: a key spelled like a flag ("--listen") or an alias ("h") matches nothing.
  const option_def* d = find_option("--" + key);
  if (!d) return fail(k.source(), "unknown key \"" + key + "\" (sipdnsd --help lists the flags)");
  if (d->command_line_only)
    return fail(k.source(), "key \"" + key + "\" is for the command line only");
  auto wrong = [&](const toml::node& v, bool element = false) {
    return fail(v.source(),
                key + ": expected " + expected(*d, element) + ", got " + type_name(v.type()));
  };
  if (d->arg.empty()) {  // a switch: true is the flag given, false the flag absent
    const auto* b = n.as_boolean();
    if (!b) return wrong(n);
    if (b->get()) out.push_back({d, {}, where(path, n.source())});
    return true;
  }
  if (const auto* a = n.as_array(); a && d->repeatable) {
    for (const toml::node& e : *a) {
      auto v = as_flag_value(*d, e);
      if (!v) return wrong(e, true);
      out.push_back({d, std::move(*v), where(path, e.source())});
    }
    return true;
  }
  auto v = as_flag_value(*d, n);
  if (!v) return wrong(n);
  out.push_back({d, std::move(*v), where(path, n.source())});
  return true;
}

}  // namespace

bool read_config_file(const std::string& path, std::vector<setting>& out, std::string& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = "--config: " + path + ": cannot read (" + std::strerror(errno) + ")";
    return false;
  }
  // A directory opens, then reads as nothing: it would pass as an empty file.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    err = "--config: " + path + ": is a directory, not a file";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  toml::table root;
  try {
    root = toml::parse(text.str(), path);
  } catch (const toml::parse_error& e) {
    err = where(path, e.source()) + ": " + std::string(e.description());
    return false;
  }
  // toml::table keeps its keys sorted; settings and the first error follow the file instead.
  std::vector<std::pair<const toml::key*, const toml::node*>> keys;
  for (auto&& [k, n] : root) keys.emplace_back(&k, &n);
  auto pos = [](const toml::key* k) {
    return std::pair(k->source().begin.line, k->source().begin.column);
  };
  std::sort(keys.begin(), keys.end(),
            [&](auto& a, auto& b) { return pos(a.first) < pos(b.first); });
  for (auto [k, n] : keys)
    if (!read_key(path, *k, *n, out, err)) return false;
  return true;
}

}  // namespace sipdns::daemon::detail
