// The master file through ldns: two passes when the file has no $TTL before its first record
// (the second with the SOA minimum as default TTL, as BIND does), Windows export quirks first.
#include "import/master_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "wire/name.hpp"

// After the standard headers: ldns defines bool/true/false as macros when it thinks C lacks them.
#include <ldns/ldns.h>

namespace sipdns::importer {
namespace {

using rdf_ptr = wire::c_ptr<ldns_rdf, ldns_rdf_deep_free>;
using file_ptr = wire::c_ptr<FILE, std::fclose>;

std::string at(const std::string& path, uint32_t line, const std::string& what) {
  return line ? path + ":" + std::to_string(line) + ": " + what : path + ": " + what;
}

// Line `n` of `text` (1-based), blanks trimmed, shortened: quoted in error messages.
std::string line_text(const std::string& text, uint32_t n) {
  size_t start = 0;
  for (uint32_t i = 1; i < n && start != std::string::npos; ++i) {
    start = text.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos) return {};
  std::string l = text.substr(start, text.find('\n', start) - start);
  l.erase(0, l.find_first_not_of(" \t"));
  while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.pop_back();
  return l.size() > 80 ? l.substr(0, 77) + "..." : l;
}

// Windows DNS writes "[AGE:3712321]" (the scavenging time stamp of a dynamic record) between
// owner and TTL; no other server reads it, and it is no DNS data: blanked, line breaks kept.
size_t blank_aging(std::string& text) {
  size_t count = 0;
  bool quoted = false, comment = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') quoted = comment = false;
    if (comment) continue;
    if (c == '\\') { ++i; continue; }
    if (c == '"') quoted = !quoted;
    if (c == ';' && !quoted) comment = true;
    if (quoted || c != '[' || strncasecmp(text.c_str() + i, "[AGE:", 5) != 0) continue;
    size_t end = text.find(']', i);
    if (end == std::string::npos || text.find('\n', i) < end) continue;
    text.replace(i, end + 1 - i, end + 1 - i, ' ');
    ++count;
  }
  return count;
}

// "; Database file example.com.dns for example.com zone." opens a dnscmd /ZoneExport file,
// which has no $ORIGIN: the zone's name is only there.
std::optional<std::string> windows_origin(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  for (int n = 0; n < 10 && std::getline(in, line); ++n) {
    size_t p = line.find("Database file ");
    if (line.empty() || line[0] != ';' || p == std::string::npos) continue;
    std::istringstream words(line.substr(p + 14));
    std::string file, word_for, zone, word_zone;
    if (words >> file >> word_for >> zone >> word_zone && word_for == "for" &&
        word_zone.starts_with("zone"))
      return zone;
  }
  return std::nullopt;
}

// Per line (1-based): true when it holds nothing but blanks or a comment. ldns reads such
// lines together with the record after them, so a record starts at the first line after the
// previous one that is not of this kind.
std::vector<bool> empty_lines(const std::string& text) {
  std::vector<bool> out{true};  // out[0]: no line 0
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find('\n', start), text.size());
    size_t first = text.find_first_not_of(" \t\r", start);
    out.push_back(first >= end || text[first] == ';');
    start = end + 1;
  }
  return out;
}

struct pass_result {
  std::vector<master_rr> rrs;
  bool ttl_before_first = false;  // a $TTL directive came before the first record
  std::string error;
};

// long: one loop over ldns's statuses, each with its own message.
pass_result parse(const std::string& path, std::string& text, ldns_rdf* origin_in,
                  uint32_t default_ttl) {
  pass_result out;
  const std::vector<bool> empty = empty_lines(text);
  file_ptr fp(fmemopen(text.data(), text.size(), "r"));
  if (!fp) return {{}, false, at(path, 0, "error: cannot read: ") + std::strerror(errno)};
  rdf_ptr origin(origin_in ? ldns_rdf_clone(origin_in) : nullptr);
  ldns_rdf* origin_raw = origin.release();
  ldns_rdf* prev = nullptr;
  int line = 0;
  uint32_t ttl = default_ttl;
  while (!std::feof(fp.get())) {
    int before = line;
    ldns_rr* rr = nullptr;
    ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp.get(), &ttl, &origin_raw, &prev, &line);
    uint32_t start = uint32_t(before + 1);
    while (start < uint32_t(line) && start < empty.size() && empty[start]) ++start;
    if (st == LDNS_STATUS_OK) {
      out.rrs.push_back({rr_ptr(rr), start});
      continue;
    }
    if (st == LDNS_STATUS_SYNTAX_TTL && out.rrs.empty()) out.ttl_before_first = true;
    if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
        st == LDNS_STATUS_SYNTAX_ORIGIN)
      continue;
    if (st == LDNS_STATUS_SYNTAX_ERR && std::feof(fp.get())) break;  // end after a comment
    if (st == LDNS_STATUS_SYNTAX_INCLUDE)
      out.error = at(path, start, "error: $INCLUDE is not supported: import the included file "
                                  "on its own, or paste it in");
    else
      out.error = at(path, start, std::string("error: ") + ldns_get_errorstr_by_id(st) + ": \"" +
                                      line_text(text, start) + "\"");
    break;
  }
  rdf_ptr free_origin(origin_raw), free_prev(prev);
  return out;
}

std::string rdf_wire(const ldns_rdf* r) {
  return std::string(reinterpret_cast<const char*>(ldns_rdf_data(r)), ldns_rdf_size(r));
}

// With no origin known, ldns is given this one, so that a relative name (which ldns would
// otherwise silently make absolute) is seen ending with it.
constexpr const char* sentinel = "sipdns-import-no-origin.invalid.";

bool below_sentinel(const ldns_rr* rr) {
  static const std::string s = [] {
    rdf_ptr r(ldns_dname_new_frm_str(sentinel));
    return rdf_wire(r.get());
  }();
  auto below = [&](const ldns_rdf* r) {
    std::string w = wire::name_lowered(rdf_wire(r));
    return w.size() >= s.size() && w.compare(w.size() - s.size(), s.size(), s) == 0;
  };
  if (below(ldns_rr_owner(rr))) return true;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i)
    if (ldns_rdf_get_type(ldns_rr_rdf(rr, i)) == LDNS_RDF_TYPE_DNAME && below(ldns_rr_rdf(rr, i)))
      return true;
  return false;
}

// The SOA (exactly one), its owner the origin; every owner absolute; class IN.
std::string check_records(master_file& f, const std::optional<std::string>& want) {
  if (std::none_of(f.rrs.begin(), f.rrs.end(), [](const master_rr& r) {
        return ldns_rr_get_type(r.rr.get()) == LDNS_RR_TYPE_SOA;
      }))
    return at(f.path, 0, "error: not a zone: no SOA record");
  std::optional<size_t> soa;
  for (size_t i = 0; i < f.rrs.size(); ++i) {
    const ldns_rr* rr = f.rrs[i].rr.get();
    uint32_t line = f.rrs[i].line;
    if (below_sentinel(rr))
      return at(f.path, line, "error: relative name and no origin: give --origin NAME, or "
                              "put $ORIGIN NAME. above the records");
    if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
      return at(f.path, line, "error: class is not IN: sipdns serves class IN only");
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA) continue;
    if (soa) return at(f.path, line, "error: a second SOA record (the first is on line " +
                                         std::to_string(f.rrs[*soa].line) + ")");
    soa = i;
  }
  f.soa = *soa;
  f.origin = wire::name_lowered(rdf_wire(ldns_rr_owner(f.rrs[*soa].rr.get())));
  if (want) {
    std::string text = *want;
    if (text.empty() || text.back() != '.') text += '.';
    rdf_ptr o(ldns_dname_new_frm_str(text.c_str()));
    if (!o || wire::name_lowered(rdf_wire(o.get())) != f.origin)
      return at(f.path, f.rrs[*soa].line,
                "error: the SOA is at " + wire::name_to_text(f.origin) + ", not at " + text);
  }
  return {};
}

}  // namespace

read_result read_master_file(const std::string& path, const std::optional<std::string>& origin) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return {std::nullopt, path + ": error: cannot read: not a regular file"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, path + ": error: cannot read: " + std::strerror(errno)};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return {std::nullopt, path + ": error: cannot read: " + std::strerror(errno)};
  master_file f;
  f.path = path;
  if (size_t n = blank_aging(text))
    f.notes.push_back(std::to_string(n) + " Windows aging stamp" + (n == 1 ? "" : "s") +
                      " ([AGE:...]) ignored: sipdns does not scavenge records");
  std::optional<std::string> start = origin ? origin : windows_origin(text);
  rdf_ptr start_rdf(ldns_dname_new_frm_str(sentinel));
  if (start) {
    std::string t = *start;
    if (t.empty() || t.back() != '.') t += '.';
    start_rdf.reset(ldns_dname_new_frm_str(t.c_str()));
    if (!start_rdf) return {std::nullopt, "--origin " + *start + ": not a domain name"};
  }
  pass_result p = parse(path, text, start_rdf.get(), 3600);
  if (!p.error.empty()) return {std::nullopt, p.error};
  // RFC 2308 section 4 / BIND: without $TTL, records that give no TTL take the SOA minimum.
  if (!p.ttl_before_first)
    for (const master_rr& r : p.rrs)
      if (ldns_rr_get_type(r.rr.get()) == LDNS_RR_TYPE_SOA) {
        p = parse(path, text, start_rdf.get(), ldns_rdf2native_int32(ldns_rr_rdf(r.rr.get(), 6)));
        break;
      }
  if (!p.error.empty()) return {std::nullopt, p.error};
  f.rrs = std::move(p.rrs);
  if (std::string e = check_records(f, origin); !e.empty()) return {std::nullopt, e};
  return {std::move(f), {}};
}

}  // namespace sipdns::importer
