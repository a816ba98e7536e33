// The lint pass: runs every rule file, then applies lint_ignore by where each finding points
// (a cluster's or peer's position is that cluster's; anything else in a file is its zone's).
#include "lint/lint.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "lint/emit.hpp"

namespace sipdns::lint {
namespace detail {

void sink::add(const zone::source_pos& where, const char* id, std::string message) {
  const rule* r = find_rule(id);
  out_.push_back({where, r->severity, id, std::move(message), r->hint});
}

std::string quoted_name(std::string_view wire_name) {
  return '"' + wire::name_to_text(wire_name) + '"';
}

std::string cluster_label(const zone::zone& z, size_t ci) {
  const zone::cluster& c = z.clusters[ci];
  return c.name.empty() ? "#" + std::to_string(ci + 1) : quoted_name(c.name);
}

}  // namespace detail
namespace {

using pos_key = std::tuple<std::string, uint32_t, uint32_t>;
pos_key key_of(const zone::source_pos& p) { return {p.file.str(), p.line, p.column}; }

// The waiver lists that apply at each position: the zone's, and a cluster's at its own
// position and its peers'.
class waivers {
 public:
  explicit waivers(const zone::zone_set& set) : set_(set) {
    for (const auto& z : set.zones)
      for (const auto& c : z.clusters) {
        at_[key_of(c.where)] = {&z, &c};
        for (const auto& p : c.peers) at_[key_of(p.where)] = {&z, &c};
      }
  }
  bool waived(const finding& f) const {
    if (auto it = at_.find(key_of(f.where)); it != at_.end())
      return zone::waived(it->second.first->lint_ignore, f.id) ||
             zone::waived(it->second.second->lint_ignore, f.id);
    for (const auto& z : set_.zones)
      if (z.where.file == f.where.file) return zone::waived(z.lint_ignore, f.id);
    return false;
  }

 private:
  const zone::zone_set& set_;
  std::map<pos_key, std::pair<const zone::zone*, const zone::cluster*>> at_;
};

// SD100: a waiver that silences nothing a user meant.
void check_waivers(const std::vector<zone::lint_waiver>& list, detail::sink& out) {
  for (const auto& w : list) {
    const rule* r = find_rule(w.rule);
    if (!r)
      out.add(w.where, "SD100", "lint_ignore names \"" + w.rule + "\", which is no rule");
    else if (r->severity == level::error)
      out.add(w.where, "SD100",
              "lint_ignore names \"" + w.rule + "\" (" + r->name +
                  "), an error: errors stop the load and cannot be silenced");
  }
}

}  // namespace

std::vector<finding> run(const zone::zone_set& set,
                         const std::vector<zone::expanded_zone>& expanded) {
  std::vector<finding> all;
  detail::sink out(all);
  detail::cluster_rules(set, out);
  detail::record_rules(set, expanded, out);
  detail::reverse_rules(set, expanded, out);
  waivers w(set);
  std::erase_if(all, [&](const finding& f) { return w.waived(f); });
  for (const auto& z : set.zones) {
    check_waivers(z.lint_ignore, out);
    for (const auto& c : z.clusters) check_waivers(c.lint_ignore, out);
  }
  sort(all);
  return all;
}

finding from_diagnostic(const zone::diagnostic& d) {
  const rule* r = find_rule(d.rule ? d.rule : "SD000");
  level l = d.level == zone::severity::error ? level::error : level::warning;
  return {d.where, l, r->id, d.message, r->hint};
}

void sort(std::vector<finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const finding& a, const finding& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) <
           std::tie(b.where.file, b.where.line, b.where.column);
  });
}

}  // namespace sipdns::lint
