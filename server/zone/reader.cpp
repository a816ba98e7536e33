// TOML -> zone model for one file. TOML itself accepts any key, so the schema is enforced
// here: unknown keys, types, ranges and names are all errors with the node's position.
#include "zone/reader.hpp"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include "wire/constants.hpp"
#include "zone/index_table.hpp"
#include "zone/limits.hpp"
#include "zone/names.hpp"
#include "zone/records_scan.hpp"
#include "zone/rr_parse.hpp"

namespace sipdns::zone::detail {
namespace {

using keys = std::initializer_list<std::string_view>;

constexpr int64_t max_ttl = 2147483647;  // RFC 2181 8
constexpr int64_t max_u16 = 65535;
constexpr int64_t max_u32 = 4294967295;


const char* type_text(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
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

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string valid_services() {
  std::string out;
  for (size_t i = 0; i < service_count; ++i) {
    if (i) out += ", ";
    out += info(service(i)).key;
  }
  return out;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Messages inside one table share a prefix (`peer "habibexpc1": `) and a label for the table
// (`[[cluster]]`) so that each one names the offending thing.
struct scope {
  std::string prefix;
  std::string label;
};

class reader {
 public:
  reader(std::string file, std::vector<diagnostic>& diags, size_t scan_from)
      : file_(std::move(file)), at_file_(file_), scan_from_(scan_from), diags_(diags) {}

  std::optional<zone> read() {
    // Not a FIFO or a device: opening one could block a reload for ever, or never end.
    if (struct stat st{}; ::stat(file_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      report({file_, 0, 0}, severity::error, "not a regular file");
      return std::nullopt;
    }
    std::ifstream in(file_, std::ios::binary);
    if (!in) {
      report({file_, 0, 0}, severity::error, "cannot read file");
      return std::nullopt;
    }
    // One read into a string of the file's size (a stringstream would copy it twice).
    in.seekg(0, std::ios::end);
    std::streamoff size = in.tellg();
    in.seekg(0, std::ios::beg);
    if (size > std::streamoff(max_file_bytes)) {
      report({file_, 0, 0}, severity::error,
             "file is " + std::to_string(size) + " bytes, over the limit of " +
                 std::to_string(max_file_bytes) + " bytes (" +
                 std::to_string(max_file_bytes >> 20) + " MiB) for one zone file; split it");
      return std::nullopt;
    }
    std::string doc(size > 0 ? size_t(size) : 0, '\0');
    if (size < 0 || !in.read(doc.data(), std::streamsize(doc.size()))) {
      report({file_, 0, 0}, severity::error, "cannot read file");
      return std::nullopt;
    }
    // A big plain `records` array is read by the scanner and the rest of the file by toml++
    // (records_scan.hpp). Unless toml++ then finds that array, empty, as [zone].records, the
    // file is read again by toml++ alone, so the scanner never changes what a file means.
    if (auto scan = scan_records(doc, scan_from_)) {
      if (too_deep(scan->rest)) return std::nullopt;
      toml::table root;
      try {
        root = toml::parse(std::string_view(scan->rest), std::string_view(file_));
      } catch (const toml::parse_error&) {
        return read_doc(doc);  // the error is reported from the whole file
      }
      const toml::node* rn = root.at_path("zone.records").node();
      if (rn && rn->is_array() && rn->as_array()->empty() &&
          rn->source().begin.line == scan->line) {
        scan_ = &*scan;
        return read_root(root);
      }
    }
    return read_doc(doc);
  }

 private:
  // toml++ recurses once per level of nesting; report a hostile depth before it can overflow.
  bool too_deep(std::string_view doc) {
    auto at = find_deep_nesting(doc);
    if (!at) return false;
    report({file_, at->line, at->column}, severity::error,
           "tables, dotted keys and arrays nest more than " + std::to_string(max_nesting) +
               " levels deep");
    return true;
  }

  std::optional<zone> read_doc(std::string_view doc) {
    if (too_deep(doc)) return std::nullopt;
    toml::table root;
    try {
      root = toml::parse(doc, std::string_view(file_));
    } catch (const toml::parse_error& e) {
      report(pos(e.source()), severity::error, std::string(e.description()));
      return std::nullopt;
    }
    return read_root(root);
  }

  std::optional<zone> read_root(const toml::table& root) {
    check_keys(root, {"zone", "cluster"}, "at the top level");
    const toml::node* zt = root.get("zone");
    if (!zt) {
      report({file_, 1, 1}, severity::error, "missing [zone] table");
      return std::nullopt;
    }
    if (!zt->is_table()) {
      report(pos(*zt), severity::error, std::string("zone must be a table, not ") + type_text(*zt));
      return std::nullopt;
    }
    if (!read_zone(*zt->as_table())) return std::nullopt;
    if (const toml::node* cl = root.get("cluster")) {
      if (const toml::array* arr = cl->as_array(); arr && arr->is_array_of_tables()) {
        for (size_t i = 0; i < arr->size(); ++i) read_cluster(*(*arr)[i].as_table(), i + 1);
      } else {
        report(
            pos(*cl), severity::error,
            std::string("cluster must be an array of tables ([[cluster]]), not ") + type_text(*cl));
      }
    }
    merge_duplicates();
    return std::move(zone_);
  }
  source_pos pos(const toml::source_region& r) const {
    return {at_file_, uint32_t(r.begin.line), uint32_t(r.begin.column)};
  }
  source_pos pos(const toml::node& n) const { return pos(n.source()); }

  void report(source_pos where, severity level, std::string message) {
    diags_.push_back({std::move(where), level, std::move(message)});
  }
  void error(const toml::node& n, std::string message) {
    report(pos(n), severity::error, std::move(message));
  }

  void check_keys(const toml::table& t, keys allowed, std::string_view label) {
    for (auto&& [k, v] : t) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
      std::string msg = "unknown key " + quoted(k.str()) + " " + std::string(label);
      std::string_view best;
      size_t best_distance = 3;  // suggest only near misses: typos, not different words
      for (std::string_view a : allowed) {
        size_t d = edit_distance(k.str(), a);
        if (d < best_distance) best = a, best_distance = d;
      }
      if (!best.empty()) msg += "; did you mean " + quoted(best) + "?";
      report(pos(k.source()), severity::error, std::move(msg));
    }
  }

  void type_error(const scope& s, std::string_view key, const toml::node& n, const char* want) {
    error(n, s.prefix + std::string(key) + " must be " + want + ", not " + type_text(n));
  }

  void missing(const scope& s, const toml::node& table, std::string_view key) {
    error(table, "missing required key " + quoted(key) + " in " + s.label);
  }

  const toml::node* string_node(const toml::table& t, std::string_view key, const scope& s) {
    const toml::node* n = t.get(key);
    if (n && !n->is_string()) return type_error(s, key, *n, "a string"), nullptr;
    return n;
  }

  std::optional<int64_t> integer(const toml::table& t, std::string_view key, int64_t lo, int64_t hi,
                                 const scope& s, const toml::node** at = nullptr,
                                 std::string_view shown = {}) {
    if (shown.empty()) shown = key;
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) return type_error(s, shown, *n, "an integer"), std::nullopt;
    int64_t v = n->as_integer()->get();
    if (v < lo || v > hi) {
      error(*n, s.prefix + std::string(shown) + " " + std::to_string(v) + " out of range " +
                    std::to_string(lo) + ".." + std::to_string(hi));
      return std::nullopt;
    }
    if (at) *at = n;
    return v;
  }

  std::optional<bool> boolean(const toml::table& t, std::string_view key, const scope& s,
                              const toml::node** at) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) return type_error(s, key, *n, "a boolean"), std::nullopt;
    *at = n;
    return n->as_boolean()->get();
  }

  // A name value relative to the origin; reports and returns empty on error.
  wire::name name_value(const toml::node& n, std::string_view what, const scope& s,
                        bool host_like = true) {
    const std::string& text = n.as_string()->get();
    name_result r = parse_name(text, zone_.origin, host_like);
    if (!r.error.empty())
      error(n, s.prefix + std::string(what) + " " + quoted(text) + ": " + r.error);
    return r.name;
  }

  bool inside_zone(const toml::node& n, const wire::name& name, std::string_view what,
                   const scope& s) {
    if (wire::name_is_below_or_at(name, zone_.origin)) return true;
    error(n, s.prefix + std::string(what) + " " + quoted(wire::name_to_text(name)) +
                 " is outside zone " + quoted(wire::name_to_text(zone_.origin)));
    return false;
  }

  // The array under `key` if every element is a string; reports otherwise.
  const toml::array* string_array(const toml::table& t, std::string_view key, const scope& s) {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    const toml::array* arr = n->as_array();
    if (!arr) return type_error(s, key, *n, "an array of strings"), nullptr;
    bool ok = true;
    for (size_t i = 0; i < arr->size(); ++i) {
      if ((*arr)[i].is_string()) continue;
      type_error(s, std::string(key) + "[" + std::to_string(i) + "]", (*arr)[i], "a string");
      ok = false;
    }
    return ok ? arr : nullptr;
  }

  bool read_zone(const toml::table& zt) {
    scope s{"", "[zone]"};
    check_keys(zt, {"origin", "ttl", "soa", "ns", "records"}, "in [zone]");
    const toml::node* on = string_node(zt, "origin", s);
    if (!on) {
      if (!zt.get("origin")) missing(s, zt, "origin");
      return false;
    }
    std::string text = on->as_string()->get();
    if (text == "@") text.clear();                         // reported below as an empty name
    if (!text.empty() && text.back() != '.') text += '.';  // the origin is always absolute
    name_result origin = parse_name(text, std::string(1, '\0'));
    if (!origin.error.empty()) {
      error(*on, "origin " + quoted(on->as_string()->get()) + ": " + origin.error);
      return false;
    }
    zone_.origin = origin.name;
    zone_.file = file_;
    zone_.where = pos(*on);
    if (auto ttl = integer(zt, "ttl", 0, max_ttl, s)) zone_.default_ttl = uint32_t(*ttl);

    read_soa(zt, s);
    if (const toml::array* ns = string_array(zt, "ns", s)) {
      if (ns->empty()) error(*zt.get("ns"), "ns must list at least one name server");
      for (const auto& e : *ns) {
        wire::name target = name_value(e, "ns", s);
        if (!target.empty())
          zone_.records.push_back(
              {zone_.origin, wire::rr_type::ns, zone_.default_ttl, target, pos(e)});
      }
    } else if (!zt.get("ns")) {
      missing(s, zt, "ns");
    }
    if (scan_) {
      read_scanned(scan_->records);
    } else if (const toml::array* recs = string_array(zt, "records", s)) {
      zone_.records.reserve(zone_.records.size() + recs->size());
      for (const auto& e : *recs) {
        const std::string& text = e.as_string()->get();
        parsed_record r = parse_record(text, zone_.origin, zone_.default_ttl);
        if (!r.rec) {
          error(e, "record " + quoted(text) + ": " + r.error);
          continue;
        }
        r.rec->where = pos(e);
        zone_.records.push_back(std::move(*r.rec));
      }
    }
    return true;
  }

  // The same for the strings the scanner read: same parse, same messages, same positions.
  void read_scanned(const std::vector<scanned_record>& recs) {
    zone_.records.reserve(zone_.records.size() + recs.size());
    for (const scanned_record& e : recs) {
      parsed_record r = parse_record(e.text, zone_.origin, zone_.default_ttl);
      source_pos at{at_file_, e.line, e.column};
      if (!r.rec) {
        report(at, severity::error, "record " + quoted(e.text) + ": " + r.error);
        continue;
      }
      r.rec->where = at;
      zone_.records.push_back(std::move(*r.rec));
    }
  }

  void read_soa(const toml::table& zt, const scope& zs) {
    const toml::node* n = zt.get("soa");
    if (!n) return missing(zs, zt, "soa");
    if (!n->is_table()) return type_error(zs, "soa", *n, "a table");
    const toml::table& t = *n->as_table();
    scope s{"soa ", "[zone].soa"};
    check_keys(t, {"mname", "rname", "serial", "refresh", "retry", "expire", "minimum"},
               "in [zone].soa");
    wire::name mname, rname;
    if (const toml::node* m = string_node(t, "mname", s))
      mname = name_value(*m, "mname", s);
    else if (!t.get("mname"))
      missing(s, t, "mname");
    if (const toml::node* r = string_node(t, "rname", s))
      rname = name_value(*r, "rname", s, false);  // a mailbox: its first label is free text
    else if (!t.get("rname"))
      missing(s, t, "rname");

    // RFC 1035 3.3.13; an absent serial follows the file's modification time, so that an
    // edited file is seen as newer by secondaries.
    struct stat st {};
    uint32_t serial = ::stat(file_.c_str(), &st) == 0 ? uint32_t(st.st_mtime) : 1;
    if (auto v = integer(t, "serial", 0, max_u32, s)) serial = uint32_t(*v);
    uint32_t timers[4] = {3600, 600, 604800, 60};
    const char* names[4] = {"refresh", "retry", "expire", "minimum"};
    for (int i = 0; i < 4; ++i)
      if (auto v = integer(t, names[i], 0, max_u32, s)) timers[i] = uint32_t(*v);
    if (mname.empty() || rname.empty()) return;

    std::string rdata = mname + rname;
    auto put32 = [&](uint32_t v) {
      for (int shift = 24; shift >= 0; shift -= 8) rdata.push_back(char(v >> shift));
    };
    put32(serial);
    for (uint32_t v : timers) put32(v);
    zone_.soa = {zone_.origin, wire::rr_type::soa, zone_.default_ttl, rdata, pos(*n)};
    zone_.records.insert(zone_.records.begin(), zone_.soa);
  }

  void read_cluster(const toml::table& t, size_t index) {
    cluster c;
    c.where = pos(t);
    std::string label = "#" + std::to_string(index);
    scope s{"", "[[cluster]]"};
    check_keys(t,
               {"name", "services", "srv_owner", "naptr", "round_robin_ttl", "srv_ttl", "host_ttl",
                "priority", "weight", "peers", "health"},
               "in [[cluster]]");
    if (const toml::node* n = string_node(t, "name", s)) {
      label = quoted(n->as_string()->get());
      c.name = name_value(*n, "cluster name", s);
      if (!c.name.empty() && !inside_zone(*n, c.name, "cluster name", s)) c.name.clear();
    }
    if (const toml::array* arr = string_array(t, "services", s)) {
      for (const auto& e : *arr) {
        const std::string& key = e.as_string()->get();
        auto svc = service_from_key(key);
        if (!svc) {
          error(e, "unknown service " + quoted(key) + "; valid services: " + valid_services());
        } else if (std::find(c.services.begin(), c.services.end(), *svc) != c.services.end()) {
          error(e, "service " + quoted(key) + " is listed twice");
        } else {
          c.services.push_back(*svc);
        }
      }
    }
    if (!t.get("name") && (!t.get("services") || (t.get("services")->as_array() &&
                                                  t.get("services")->as_array()->empty())))
      report(c.where, severity::error, "cluster has neither a name nor services");

    c.srv_owner = zone_.origin;
    if (const toml::node* n = string_node(t, "srv_owner", s)) {
      wire::name owner = name_value(*n, "srv_owner", s);
      if (!owner.empty() && inside_zone(*n, owner, "srv_owner", s)) c.srv_owner = owner;
    }
    const toml::node* naptr_at = nullptr;
    if (auto v = boolean(t, "naptr", s, &naptr_at)) c.naptr = *v;
    const toml::node* rr_ttl_at = nullptr;
    if (auto v = integer(t, "round_robin_ttl", 0, max_ttl, s, &rr_ttl_at))
      c.round_robin_ttl = uint32_t(*v);
    const toml::node* srv_ttl_at = nullptr;
    if (auto v = integer(t, "srv_ttl", 0, max_ttl, s, &srv_ttl_at)) c.srv_ttl = uint32_t(*v);
    if (auto v = integer(t, "host_ttl", 0, max_ttl, s)) c.host_ttl = uint32_t(*v);
    uint16_t priority = 10, weight = 10;
    if (auto v = integer(t, "priority", 0, max_u16, s)) priority = uint16_t(*v);
    if (auto v = integer(t, "weight", 0, max_u16, s)) weight = uint16_t(*v);

    // Where each peer's priority and weight were written, for the equal-priority warning.
    std::vector<std::pair<source_pos, source_pos>> pw_at;
    const toml::node* pn = t.get("peers");
    if (!pn) {
      report(c.where, severity::error, "cluster has no peers");
    } else if (const toml::array* arr = pn->as_array(); !arr || !arr->is_array_of_tables()) {
      if (arr && arr->empty())
        error(*pn, "cluster has no peers");
      else
        type_error(s, "peers", *pn, "an array of tables");
    } else {
      std::set<wire::name> hosts;
      for (const auto& e : *arr) {
        peer p;
        p.priority = priority;
        p.weight = weight;
        size_t errors_before = diags_.size();
        auto at = read_peer(*e.as_table(), c, p);
        // A peer with an error is left out, so that its missing parts do not cascade into
        // "no address" errors for the same line.
        if (p.host.empty() || diags_.size() != errors_before) continue;
        if (!hosts.insert(p.host).second) {
          report(p.where, severity::error,
                 "peer " + quoted(wire::name_to_text(p.host)) + " is listed twice in this cluster");
          continue;
        }
        c.peers.push_back(std::move(p));
        pw_at.push_back(at);
      }
    }

    // Checked as soon as a health table is written, even one with errors: one pass, all errors.
    bool checked = false;
    if (const toml::node* hn = t.get("health")) {
      if (!hn->is_table()) {
        type_error(s, "health", *hn, "a table");
      } else {
        checked = true;
        c.health = read_health(*hn->as_table(), c);
      }
    }
    if (checked) {
      // Probes go to the address written here, never to what DNS says: the answer being
      // built must not depend on itself.
      for (const peer& p : c.peers)
        if (!p.ipv4 && !p.ipv6)
          report(p.where, severity::error,
                 "health checks contact only addresses written in the zone file; give peer " +
                     quoted(wire::name_to_text(p.host)) + " an ipv4 or ipv6");
      if (srv_ttl_at)
        report(pos(*srv_ttl_at), severity::warning,
               "srv_ttl is not used for the SRV records of a health-checked cluster: they take "
               "round_robin_ttl (" +
                   std::to_string(c.round_robin_ttl) +
                   ") so that resolvers drop a failed peer quickly; only NAPTR records use "
                   "srv_ttl");
    }

    warn_unequal(c, label, pw_at);
    if (rr_ttl_at && c.round_robin_ttl > 60)
      report(pos(*rr_ttl_at), severity::warning,
             "round_robin_ttl " + std::to_string(c.round_robin_ttl) +
                 " is above 60; Cisco's deployment guide advises 1 minute or less for "
                 "round-robin DNS, so that clients move off a failed peer quickly");
    bool sip = std::any_of(c.services.begin(), c.services.end(),
                           [](service v) { return info(v).naptr_service != nullptr; });
    if (c.naptr && !sip)
      report(pos(*naptr_at), severity::warning,
             "naptr = true but the cluster offers no SIP service, so no NAPTR record is derived");
    zone_.clusters.push_back(std::move(c));
  }

  // Returns where priority and weight were written (the host when inherited).
  std::pair<source_pos, source_pos> read_peer(const toml::table& t, const cluster& c, peer& p) {
    check_keys(t, {"host", "ipv4", "ipv6", "priority", "weight", "ports"}, "in peer");
    p.where = pos(t);
    const toml::node* hn = t.get("host");
    if (!hn) {
      missing({"", "peer"}, t, "host");
      return {};
    }
    if (!hn->is_string()) {
      type_error({"peer ", "peer"}, "host", *hn, "a string");
      return {};
    }
    const std::string& text = hn->as_string()->get();
    scope s{"peer " + quoted(text) + ": ", "peer"};
    p.where = pos(*hn);
    p.host = name_value(*hn, "peer host", {});
    if (p.host.empty()) return {};

    if (const toml::node* n = string_node(t, "ipv4", s)) {
      p.ipv4 = parse_ipv4(n->as_string()->get());
      if (!p.ipv4) error(*n, s.prefix + "invalid IPv4 address " + quoted(n->as_string()->get()));
    }
    if (const toml::node* n = string_node(t, "ipv6", s)) {
      p.ipv6 = parse_ipv6(n->as_string()->get());
      if (!p.ipv6) error(*n, s.prefix + "invalid IPv6 address " + quoted(n->as_string()->get()));
    }
    std::pair<source_pos, source_pos> at{p.where, p.where};
    const toml::node* n = nullptr;
    if (auto v = integer(t, "priority", 0, max_u16, s, &n))
      p.priority = uint16_t(*v), at.first = pos(*n);
    if (auto v = integer(t, "weight", 0, max_u16, s, &n))
      p.weight = uint16_t(*v), at.second = pos(*n);

    if (const toml::node* pn = t.get("ports")) {
      if (!pn->is_table()) {
        type_error(s, "ports", *pn, "a table");
      } else {
        for (auto&& [k, v] : *pn->as_table()) {
          auto svc = service_from_key(k.str());
          if (!svc) {
            report(pos(k.source()), severity::error,
                   s.prefix + "unknown service " + quoted(k.str()) +
                       " in ports; valid services: " + valid_services());
            continue;
          }
          if (std::find(c.services.begin(), c.services.end(), *svc) == c.services.end()) {
            report(pos(k.source()), severity::error,
                   s.prefix + "ports sets " + quoted(k.str()) +
                       ", a service this cluster does not offer");
            continue;
          }
          if (auto port = integer(*pn->as_table(), k.str(), 1, max_u16, s, nullptr, "port"))
            p.ports[*svc] = uint16_t(*port);
        }
      }
    }
    return at;
  }

  // [cluster.health]; returns nullopt when it has an error, so that no half-read probe runs.
  std::optional<health_config> read_health(const toml::table& t, const cluster& c) {
    health_config h;
    h.where = pos(t);
    scope s{"health.", "[cluster.health]"};
    size_t errors_before = error_count();
    check_keys(t,
               {"probe", "transport", "port", "interval_ms", "timeout_ms", "fall", "rise",
                "all_down", "up_codes", "tls_verify", "tls_ca_file", "tls_name"},
               "in [cluster.health]");

    const toml::node* kind_at = string_node(t, "probe", s);
    if (kind_at) {
      const std::string& text = kind_at->as_string()->get();
      bool found = false;
      for (probe_kind k :
           {probe_kind::tcp, probe_kind::tls, probe_kind::sip_options, probe_kind::stun})
        if (text == to_text(k)) h.kind = k, found = true;
      if (!found) {
        error(*kind_at,
              "unknown probe " + quoted(text) + "; valid probes: tcp, tls, sip-options, stun");
        kind_at = nullptr;
      }
    } else if (!t.get("probe")) {
      missing(s, t, "probe");
    }

    if (const toml::node* n = string_node(t, "transport", s)) {
      const std::string& text = n->as_string()->get();
      std::optional<probe_transport> tr;
      for (probe_transport v : {probe_transport::udp, probe_transport::tcp, probe_transport::tls})
        if (text == to_text(v)) tr = v;
      if (!tr) {
        error(*n, "unknown transport " + quoted(text) + "; valid transports: udp, tcp, tls");
      } else if (kind_at && (h.kind == probe_kind::tcp || h.kind == probe_kind::tls)) {
        error(*n, "health.transport is not allowed with probe " + quoted(to_text(h.kind)) +
                      ": that probe kind is its own transport");
      } else if (kind_at && h.kind == probe_kind::stun && *tr == probe_transport::tls) {
        error(*n, "health.transport \"tls\" is not valid for probe \"stun\"; valid: udp, tcp");
      } else {
        h.transport = tr;
      }
    }
    if (kind_at && h.kind == probe_kind::stun && !t.get("transport")) {
      for (service v : c.services)
        if (!probe_transport_for(h, v)) {
          error(*kind_at, "probe \"stun\" cannot run over TLS, which service " +
                              quoted(info(v).key) +
                              " implies; set health.transport to \"udp\" or \"tcp\"");
          break;
        }
    }

    if (auto v = integer(t, "port", 1, max_u16, s)) h.port = uint16_t(*v);
    auto interval = integer(t, "interval_ms", 100, 3600000, s);
    if (interval) h.interval_ms = uint32_t(*interval);
    const toml::node* timeout_at = nullptr;
    if (auto v = integer(t, "timeout_ms", 10, 3600000, s, &timeout_at)) h.timeout_ms = uint32_t(*v);
    // A probe must end before the next one starts, or probes of one peer would pile up.
    bool interval_ok = interval || !t.get("interval_ms");
    if (timeout_at && interval_ok && h.timeout_ms >= h.interval_ms)
      error(*timeout_at, "health.timeout_ms " + std::to_string(h.timeout_ms) +
                             " must be below health.interval_ms " + std::to_string(h.interval_ms));
    if (auto v = integer(t, "fall", 1, 10, s)) h.fall = uint32_t(*v);
    if (auto v = integer(t, "rise", 1, 10, s)) h.rise = uint32_t(*v);

    if (const toml::node* n = string_node(t, "all_down", s)) {
      const std::string& text = n->as_string()->get();
      if (text == "serve-all")
        h.all_down = all_down_policy::serve_all;
      else if (text == "serve-none")
        h.all_down = all_down_policy::serve_none;
      else
        error(*n, "unknown all_down policy " + quoted(text) + "; valid: serve-all, serve-none");
    }

    if (const toml::array* arr = string_array(t, "up_codes", s)) {
      h.up_codes.clear();
      if (arr->empty()) error(*t.get("up_codes"), "health.up_codes must list at least one code");
      for (size_t i = 0; i < arr->size(); ++i) {
        const std::string& text = (*arr)[i].as_string()->get();
        std::string why;
        auto range = parse_code_range(text, why);
        if (!range)
          error((*arr)[i],
                "health.up_codes[" + std::to_string(i) + "] " + quoted(text) + ": " + why);
        else
          h.up_codes.push_back(*range);
      }
      if (kind_at && h.kind != probe_kind::sip_options)
        report(pos(*t.get("up_codes")), severity::warning,
               "health.up_codes has no effect: only probe \"sip-options\" reads SIP status codes");
    }

    const toml::node* verify_at = nullptr;
    if (auto v = boolean(t, "tls_verify", s, &verify_at)) h.tls_verify = *v;
    const toml::node* ca_at = string_node(t, "tls_ca_file", s);
    if (ca_at) {
      const std::string& text = ca_at->as_string()->get();
      // Relative to the zone file, so that a zone directory can carry its own CA bundle.
      // (<filesystem> is not used here: its std::quoted would clash with quoted() by ADL.)
      std::string path = text;
      size_t slash = file_.rfind('/');
      if (!text.empty() && text.front() != '/' && slash != std::string::npos)
        path = file_.substr(0, slash + 1) + text;
      struct stat st {};
      if (text.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        error(*ca_at,
              "health.tls_ca_file " + quoted(text) + ": no such file (looked for " + path + ")");
      else
        h.tls_ca_file = path;
    }
    const toml::node* name_at = string_node(t, "tls_name", s);
    if (name_at) {
      std::string text = name_at->as_string()->get();
      for (char& ch : text) ch = char(std::tolower(static_cast<unsigned char>(ch)));
      if (!text.empty() && text.back() == '.') text.pop_back();
      if (text.empty() || text.find_first_of(" \t") != std::string::npos)
        error(*name_at,
              "health.tls_name " + quoted(name_at->as_string()->get()) + " is not a host name");
      else
        h.tls_name = text;
    }
    if (kind_at) {
      std::string no_tls = without_tls(h, c);
      std::pair<const char*, const toml::node*> tls_keys[] = {
          {"tls_verify", verify_at}, {"tls_ca_file", ca_at}, {"tls_name", name_at}};
      for (auto [key, n] : tls_keys) {
        if (n && !no_tls.empty())
          report(pos(*n), severity::warning,
                 "health." + std::string(key) + " has no effect: " + no_tls);
      }
      if (ca_at && no_tls.empty() && !h.tls_verify)
        report(pos(*ca_at), severity::warning,
               "health.tls_ca_file is read only when tls_verify = true; as written, peer "
               "certificates are not verified");
    }
    if (error_count() != errors_before || !kind_at) return std::nullopt;
    return h;
  }

  // Why this probe uses no TLS ("probe \"tcp\" does not use TLS"), or empty when it does.
  static std::string without_tls(const health_config& h, const cluster& c) {
    if (h.kind == probe_kind::tls) return {};
    if (h.kind != probe_kind::sip_options)
      return "probe " + quoted(to_text(h.kind)) + " does not use TLS";
    std::string used;
    for (service v : c.services) {
      auto tr = probe_transport_for(h, v);
      if (!tr) continue;
      if (*tr == probe_transport::tls) return {};
      if (used.find(to_text(*tr)) == std::string::npos)
        used += (used.empty() ? "" : "/") + std::string(to_text(*tr));
    }
    if (used.empty()) used = h.transport ? to_text(*h.transport) : "tcp";
    return "probe \"sip-options\" runs over " + used + " here, not TLS";
  }

  // "200" or "200-299", each 100..699 (RFC 3261 7.2: three digits, 1xx..6xx).
  static std::optional<std::pair<uint16_t, uint16_t>> parse_code_range(std::string_view text,
                                                                       std::string& why) {
    auto code = [](std::string_view d) -> std::optional<uint16_t> {
      if (d.size() != 3) return std::nullopt;
      uint16_t v = 0;
      for (char ch : d) {
        if (ch < '0' || ch > '9') return std::nullopt;
        v = uint16_t(v * 10 + (ch - '0'));
      }
      if (v < 100 || v > 699) return std::nullopt;
      return v;
    };
    size_t dash = text.find('-');
    auto lo = code(text.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : code(text.substr(dash + 1));
    if (!lo || !hi) {
      why = "expected a SIP status code \"NNN\" or a range \"NNN-NNN\", each 100..699";
      return std::nullopt;
    }
    if (*lo > *hi) {
      why = "the range starts above its end";
      return std::nullopt;
    }
    return std::pair{*lo, *hi};
  }

  size_t error_count() const {
    return size_t(std::count_if(diags_.begin(), diags_.end(),
                                [](const diagnostic& d) { return d.level == severity::error; }));
  }

  // Expressway deployment guide, "DNS SRV": equal priority and weight for each cluster peer;
  // a backup belongs in its own cluster with a higher priority number.
  void warn_unequal(const cluster& c, const std::string& label,
                    const std::vector<std::pair<source_pos, source_pos>>& at) {
    const char* advice =
        "; Cisco's deployment guide advises equal priority and weight within a cluster "
        "(use a higher priority number for a backup cluster instead)";
    for (size_t i = 1; i < c.peers.size(); ++i) {
      if (c.peers[i].priority == c.peers[0].priority) continue;
      report(at[i].first, severity::warning,
             "cluster " + label + ": peer " + quoted(wire::name_to_text(c.peers[i].host)) +
                 " has priority " + std::to_string(c.peers[i].priority) + ", peer " +
                 quoted(wire::name_to_text(c.peers[0].host)) + " has " +
                 std::to_string(c.peers[0].priority) + advice);
      break;
    }
    for (size_t i = 1; i < c.peers.size(); ++i) {
      if (c.peers[i].weight == c.peers[0].weight) continue;
      report(at[i].second, severity::warning,
             "cluster " + label + ": peer " + quoted(wire::name_to_text(c.peers[i].host)) +
                 " has weight " + std::to_string(c.peers[i].weight) + ", peer " +
                 quoted(wire::name_to_text(c.peers[0].host)) + " has " +
                 std::to_string(c.peers[0].weight) + advice);
      break;
    }
  }

  // Identical explicit records (same owner, type and rdata) count once.
  void merge_duplicates() {
    std::vector<record>& recs = zone_.records;
    index_table seen(recs.size());
    size_t kept = 0;
    // Hashes are computed and their slots prefetched a few records ahead (not moved yet).
    constexpr size_t ahead = 8;
    uint64_t hashes[ahead];
    auto hash_of = [&](size_t i) {
      const record& r = recs[i];
      uint64_t h = hash_bytes(r.rdata, hash_bytes(r.owner, r.type));
      seen.prefetch(h);
      return h;
    };
    for (size_t i = 0; i < recs.size() && i < ahead; ++i) hashes[i] = hash_of(i);
    for (size_t i = 0; i < recs.size(); ++i) {
      const record& r = recs[i];
      uint64_t h = hashes[i % ahead];
      if (i + ahead < recs.size()) hashes[i % ahead] = hash_of(i + ahead);
      auto same = [&](uint32_t k) {
        return recs[k].type == r.type && recs[k].owner == r.owner && recs[k].rdata == r.rdata;
      };
      // Kept records are compacted to the front, so the index of the next one is `kept`.
      if (!seen.insert(h, uint32_t(kept), same).second) continue;
      if (kept != i) recs[kept] = std::move(recs[i]);
      ++kept;
    }
    recs.resize(kept);
  }

  std::string file_;
  file_name at_file_;  // file_, interned once: every record's position points at it
  size_t scan_from_;
  const records_scan* scan_ = nullptr;  // set when [zone].records comes from the scanner
  std::vector<diagnostic>& diags_;
  zone zone_;
};

}  // namespace

std::optional<zone> read_zone_file(const std::string& file, std::vector<diagnostic>& diags,
                                   size_t scan_from) {
  return reader(file, diags, scan_from).read();
}

}  // namespace sipdns::zone::detail
