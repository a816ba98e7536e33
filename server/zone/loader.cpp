// Finds the zone files, reads each one, then checks the set as a whole; one pass, all errors.
#include "zone/loader.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>

#include "zone/validate.hpp"
#include "zone/reader.hpp"

namespace sipdns::zone {
namespace {

namespace fs = std::filesystem;

// Every *.toml in a directory, sorted by name, so that load order and diagnostics are
// reproducible whatever order the file system lists them in.
std::vector<std::string> expand(const std::string& path, std::vector<diagnostic>& diags) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    if (!fs::exists(path, ec)) {
      diags.push_back({{path, 0, 0}, severity::error, "no such file or directory"});
      return {};
    }
    return {path};
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(path, ec))
    if (e.path().extension() == ".toml" && !e.is_directory(ec))
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  if (names.empty())
    diags.push_back({{path, 0, 0}, severity::error, "no zone files (*.toml) in this directory"});
  std::vector<std::string> files;
  for (const auto& n : names) files.push_back((fs::path(path) / n).string());
  return files;
}

}  // namespace

load_result load(const std::vector<std::string>& paths, bool lend) {
  load_result result;
  try {
    zone_set set;
    for (const auto& p : paths)
      for (const auto& file : expand(p, result.diagnostics))
        if (auto z = detail::read_zone_file(file, result.diagnostics))
          set.zones.push_back(std::move(*z));
    std::vector<expanded_zone> expanded = detail::validate_set(set, result.diagnostics, lend);
    if (!has_errors(result.diagnostics)) {
      result.zones = std::move(set);
      result.expanded = std::move(expanded);
    }
  } catch (const std::exception& e) {
    // load() promises not to throw; an allocation failure or a library bug still says where.
    result.diagnostics.push_back({{}, severity::error, std::string("internal error: ") + e.what()});
    result.zones.reset();
    result.expanded.clear();
  }
  sort(result.diagnostics);
  return result;
}

}  // namespace sipdns::zone
