// `sipdns import`: read (master_file), render and normalise as the loader will hold it
// (render), recognise clusters (recognise), write TOML (toml_writer), then load that TOML with
// the real loader and compare what it serves with the file before printing anything.
#include "import/import.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "export/record_text.hpp"
#include "import/master_file.hpp"
#include "import/recognise.hpp"
#include "import/render.hpp"
#include "import/toml_writer.hpp"
#include "wire/constants.hpp"
#include "zone/derive.hpp"
#include "zone/loader.hpp"

// After the standard headers: ldns defines bool/true/false as macros when it thinks C lacks them.
#include <ldns/ldns.h>

namespace sipdns::importer {
namespace {

std::string at(const std::string& path, uint32_t line, const std::string& what) {
  return line ? path + ":" + std::to_string(line) + ": " + what : path + ": " + what;
}

// The zone as the loader will hold it: records through the loader's parser, then derive()'s
// normalisation (duplicates merged, one TTL per RRset: RFC 2181 5.2), which is noted.
struct built {
  zone::zone z;
  std::map<uint32_t, std::string> text;
  std::vector<bool> in_ns;
  std::vector<std::pair<uint32_t, std::string>> notes;  // (line, what): lossy normalisations
  std::string error;
};

void normalise(built& b) {
  std::map<uint32_t, uint32_t> ttl_of;
  for (const zone::record& r : b.z.records) ttl_of[r.where.line] = r.ttl;
  zone::zone_set set;
  set.zones.push_back(b.z);
  b.z.records = std::move(zone::derive(set)[0].records);
  std::map<uint32_t, uint32_t> left;
  for (const zone::record& r : b.z.records) left[r.where.line] = r.ttl;
  for (auto [line, ttl] : ttl_of) {
    auto it = left.find(line);
    if (it == left.end())
      b.notes.push_back({line, "the same record again: left out"});
    else if (it->second != ttl)
      b.notes.push_back({line, "TTL " + std::to_string(ttl) +
                                   " differs from its RRset's; sipdns serves the smallest, " +
                                   std::to_string(it->second) + " (RFC 2181 5.2)"});
  }
}

built build(const master_file& f, const renderer& names) {
  built b;
  zone::zone& z = b.z;
  z.origin = f.origin;
  z.file = f.path;
  z.default_ttl = names.zone_ttl();
  const master_rr& soa = f.rrs[f.soa];
  rr_ptr canonical(ldns_rr_clone(soa.rr.get()));
  ldns_rr2canonical(canonical.get());
  z.soa = to_record(canonical.get());
  z.soa.where = {f.path, soa.line, 0};
  for (int i : {0, 1}) {
    const ldns_rdf* n = ldns_rr_rdf(soa.rr.get(), size_t(i));
    wire::name w = wire::name_lowered({reinterpret_cast<const char*>(ldns_rdf_data(n)), ldns_rdf_size(n)});
    if (!names.name(w, i == 0))  // mname a host, rname a mailbox
      b.error = at(f.path, soa.line, std::string("error: SOA ") + (i ? "rname " : "mname ") +
                                         wire::name_to_text(w) + " cannot be written in a TOML zone" +
                                         (i ? "" : " (a host name: letters, digits, '-' and '_')"));
  }
  z.records.push_back(z.soa);
  for (size_t i = 0; i < f.rrs.size() && b.error.empty(); ++i) {
    if (i == f.soa) continue;
    renderer::rendered r = names.record(f.rrs[i].rr.get());
    if (!r.error.empty()) b.error = at(f.path, f.rrs[i].line, "error: " + r.error);
    r.rec.where = {f.path, f.rrs[i].line, 0};
    b.text[f.rrs[i].line] = r.text;
    z.records.push_back(std::move(r.rec));
  }
  if (!b.error.empty()) return b;
  normalise(b);
  for (const zone::record& r : z.records)
    b.in_ns.push_back(r.type == wire::rr_type::ns && r.owner == z.origin &&
                      r.ttl == z.default_ttl && names.name(r.rdata).has_value());
  return b;
}

// Removes the temporary file on every return path.
struct temp_file {
  std::string path;
  ~temp_file() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

std::string write_temp(const std::string& text, temp_file& t) {
  const char* dir = std::getenv("TMPDIR");
  std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/sipdns-import-XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return "cannot create a temporary file in " + tmpl;
  t.path = tmpl;
  bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
  ::close(fd);
  return ok ? "" : "cannot write " + tmpl;
}

// The TOML through the real loader: its errors in terms of the master file's lines, and what it
// would serve compared with the file's records. Empty when both agree.
std::string self_check(const toml_text& t, const zone::zone& z, const std::string& path) {
  temp_file tmp;
  if (std::string e = write_temp(t.text, tmp); !e.empty()) return path + ": error: " + e;
  zone::load_result r = zone::load({tmp.path});
  std::string errors;
  for (const zone::diagnostic& d : r.diagnostics) {
    if (d.level != zone::severity::error) continue;
    uint32_t src = d.where.line && d.where.line <= t.source_line.size() ? t.source_line[d.where.line - 1] : 0;
    errors += at(path, src, "error: " + d.message + " (in the TOML written for it)") + "\n";
  }
  if (!r.zones) return errors.empty() ? path + ": error: the TOML does not load\n" : errors;
  std::vector<std::string> want, have;
  for (const zone::record& x : z.records) want.push_back(tools::canonical_text(x));
  for (const zone::record& x : r.expanded.at(0).records) have.push_back(tools::canonical_text(x));
  std::sort(want.begin(), want.end());
  std::sort(have.begin(), have.end());
  if (want == have) return {};
  std::vector<std::string> lost, added;
  std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(lost));
  std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(added));
  std::string out = path + ": error: internal: the TOML would not serve the file's records\n";
  for (const auto& s : lost) out += "  missing: " + s + "\n";
  for (const auto& s : added) out += "  extra:   " + s + "\n";
  return out;
}

}  // namespace
}  // namespace sipdns::importer

namespace sipdns::tools {

int import_zone(const std::vector<std::string>& args) {
  using namespace importer;
  std::optional<std::string> file, origin;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--origin" && i + 1 < args.size()) origin = args[++i];
    else if (args[i].starts_with("--origin=")) origin = args[i].substr(9);
    else if (!args[i].starts_with("-") && !file) file = args[i];
    else {
      std::fprintf(stderr, "sipdns import: unexpected argument \"%s\"\n"
                           "usage: sipdns import ZONEFILE [--origin NAME]\n", args[i].c_str());
      return 2;
    }
  }
  if (!file) {
    std::fprintf(stderr, "usage: sipdns import ZONEFILE [--origin NAME]\n");
    return 2;
  }
  read_result rf = read_master_file(*file, origin);
  if (!rf.file) return std::fprintf(stderr, "%s\n", rf.error.c_str()), 1;
  const master_file& f = *rf.file;
  renderer names(f.origin, ldns_rr_ttl(f.rrs[f.soa].rr.get()));
  built b = build(f, names);
  if (!b.error.empty()) return std::fprintf(stderr, "%s\n", b.error.c_str()), 1;
  recognition found = recognise(b.z, names);
  import_plan plan{f.path, &b.z, b.text, b.in_ns, &found, {}};
  plan.notes = f.notes;
  for (const auto& [line, n] : b.notes) plan.notes.push_back("line " + std::to_string(line) + ": " + n);
  toml_text t = write_toml(plan, names);
  std::string e = self_check(t, b.z, f.path);
  // Each cluster passed its own check; should the whole zone still differ, keep records only.
  recognition none;
  if (!e.empty() && !found.clusters.empty()) {
    none.replaced.assign(b.z.records.size(), false);
    none.notes = found.notes;
    none.notes.push_back("no cluster kept: together they would not serve exactly the file's "
                         "records (" + e.substr(0, e.find('\n')) + ")");
    plan.found = &none;
    t = write_toml(plan, names);
    e = self_check(t, b.z, f.path);
  }
  if (!e.empty()) return std::fputs(e.c_str(), stderr), 1;
  for (const std::string& n : f.notes) std::fprintf(stderr, "%s: note: %s\n", f.path.c_str(), n.c_str());
  for (const auto& [line, n] : b.notes)
    std::fprintf(stderr, "%s\n", at(f.path, line, "warning: " + n).c_str());
  std::fputs(t.text.c_str(), stdout);
  return 0;
}

}  // namespace sipdns::tools
