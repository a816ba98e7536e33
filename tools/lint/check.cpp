// The check command: options, the load/compile/lint sequence, text and JSON output.
#include "lint/check.hpp"

#include <cstdio>

#include "compile/build.hpp"
#include "json/json.hpp"
#include "lint/lint.hpp"
#include "zone/loader.hpp"

namespace sipdns::lint {
namespace {

struct options {
  std::vector<std::string> paths;
  bool json = false, strict = false;
};

// False on a usage error (said on stderr).
bool parse(const std::vector<std::string>& args, options& o) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string f;
    if (args[i] == "--strict") {
      o.strict = true;
      continue;
    }
    if (args[i] == "--format" && i + 1 < args.size()) f = args[++i];
    else if (args[i].starts_with("--format=")) f = args[i].substr(9);
    else if (args[i].starts_with("--")) {
      std::fprintf(stderr, "sipdns check: unknown option \"%s\"\n", args[i].c_str());
      return false;
    } else {
      o.paths.push_back(args[i]);
      continue;
    }
    if (f != "text" && f != "json") {
      std::fprintf(stderr, "sipdns check: --format is text or json, not \"%s\"\n", f.c_str());
      return false;
    }
    o.json = f == "json";
  }
  if (o.paths.empty()) std::fputs("sipdns check: give at least one zone file or directory\n", stderr);
  return !o.paths.empty();
}

struct outcome {
  std::vector<finding> findings;
  size_t zones = 0, records = 0;
};

// Load, compile as the server would (some limits only show when answers are built, and "check
// says ok" must mean "the server will load it"), then lint what loaded.
outcome run_checks(const std::vector<std::string>& paths) {
  outcome out;
  zone::load_result r = zone::load(paths);
  for (const auto& d : r.diagnostics) out.findings.push_back(from_diagnostic(d));
  if (!r.zones) return out;
  try {
    compile::build(r.expanded);
  } catch (const compile::build_error& e) {
    out.findings.push_back(from_diagnostic(e.diagnostic));
    return out;
  } catch (const std::exception& e) {
    out.findings.push_back({{}, level::error, "SD000", e.what(), ""});
    return out;
  }
  out.zones = r.zones->zones.size();
  for (const auto& z : r.expanded) out.records += z.records.size();
  for (auto& f : run(*r.zones, r.expanded)) out.findings.push_back(std::move(f));
  sort(out.findings);
  return out;
}

// The loader's own diagnostics (SD000) print exactly as sipdnsd prints them; a rule's
// finding adds its id and name, and its hint on the next line.
void print_text(const finding& f) {
  std::string line = f.where.file.str();
  if (f.where.line != 0) line += ':' + std::to_string(f.where.line) + ':' + std::to_string(f.where.column);
  line += line.empty() ? "" : ": ";
  line += std::string(to_text(f.severity)) + ": " + f.message;
  if (f.id != "SD000") line += " [" + f.id + ' ' + find_rule(f.id)->name + ']';
  std::fprintf(stderr, "%s\n", line.c_str());
  if (!f.hint.empty()) std::fprintf(stderr, "  hint: %s\n", f.hint.c_str());
}

// One object per line, so that a golden file diffs line by line.
void print_json(const std::vector<finding>& findings) {
  std::fputs("[", stdout);
  for (size_t i = 0; i < findings.size(); ++i) {
    const finding& f = findings[i];
    std::printf("%s\n  {\"file\": %s, \"line\": %u, \"column\": %u, \"severity\": \"%s\", "
                "\"id\": \"%s\", \"message\": %s, \"hint\": %s}",
                i ? "," : "", json::quote(f.where.file.str()).c_str(), f.where.line,
                f.where.column, to_text(f.severity), f.id.c_str(), json::quote(f.message).c_str(),
                json::quote(f.hint).c_str());
  }
  std::fputs(findings.empty() ? "]\n" : "\n]\n", stdout);
}

std::string plural(size_t n, const char* what) {
  return std::to_string(n) + ' ' + what + (n == 1 ? "" : "s");
}

}  // namespace

int check_command(const std::vector<std::string>& args) {
  options o;
  if (!parse(args, o)) return 2;
  outcome out = run_checks(o.paths);
  size_t count[3] = {};
  for (const auto& f : out.findings) ++count[size_t(f.severity)];
  const int status = count[size_t(level::error)] ? 1
                     : o.strict && count[size_t(level::warning)] ? 2
                                                                 : 0;
  if (o.json) {
    print_json(out.findings);
    return status;
  }
  for (const auto& f : out.findings) print_text(f);
  if (status == 1) return status;
  std::string summary = "ok: " + plural(out.zones, "zone") + ", " + plural(out.records, "record");
  std::string counts = count[1] ? plural(count[1], "warning") : "";
  if (count[2]) counts += (counts.empty() ? "" : ", ") + plural(count[2], "info");
  if (!counts.empty()) summary += " (" + counts + ")";
  if (status == 2) summary = "failed (--strict): " + plural(count[1], "warning");
  std::printf("%s\n", summary.c_str());
  return status;
}

}  // namespace sipdns::lint
