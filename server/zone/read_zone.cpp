// [zone]: the origin, default TTL, SOA, apex NS and explicit records.
#include <sys/stat.h>

#include <cstddef>

#include "wire/constants.hpp"
#include "zone/names.hpp"
#include "zone/reader_impl.hpp"
#include "zone/rr_parse.hpp"

namespace sipdns::zone::detail {

bool reader::read_zone(const toml::table& zt) {
  scope s{"", "[zone]"};
  check_keys(zt, zone_schema);
  if (!read_origin(zt, s)) return false;
  if (auto ttl = integer(zt, zone_schema["ttl"], s)) zone_.default_ttl = uint32_t(*ttl);
  read_soa(zt, s);
  read_ns(zt, s);
  read_records(zt, s);
  zone_.lint_ignore = lint_ignore(zt, zone_schema, s);
  return true;
}

bool reader::read_origin(const toml::table& zt, const scope& s) {
  const toml::node* on = string_node(zt, zone_schema["origin"], s);
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
  return true;
}

void reader::read_ns(const toml::table& zt, const scope& s) {
  const toml::array* ns = string_array(zt, zone_schema["ns"], s);
  if (!ns) {
    if (!zt.get("ns")) missing(s, zt, "ns");
    return;
  }
  if (ns->empty()) error(*zt.get("ns"), "ns must list at least one name server");
  for (const auto& e : *ns) {
    wire::name target = name_value(e, "ns", s);
    if (!target.empty())
      zone_.records.push_back({zone_.origin, wire::rr_type::ns, zone_.default_ttl, target, pos(e)});
  }
}

namespace {
// Room left for what derive adds to a zone's records when a load lends them to it
// (zone/derive.hpp): a million-record vector that has to grow there is copied whole. Small
// for a small zone: a server may load thousands of reverse zones, and the room stays reserved.
size_t with_derive_room(size_t records) { return records + records / 16 + 64; }
}  // namespace

void reader::read_records(const toml::table& zt, const scope& s) {
  if (scan_) return read_scanned(scan_->records);
  const toml::array* recs = string_array(zt, zone_schema["records"], s);
  if (!recs) return;
  zone_.records.reserve(with_derive_room(zone_.records.size() + recs->size()));
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

// The same for the strings the scanner read: same parse, same messages, same positions.
void reader::read_scanned(const std::vector<scanned_record>& recs) {
  zone_.records.reserve(with_derive_room(zone_.records.size() + recs.size()));
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

void reader::read_soa(const toml::table& zt, const scope& zs) {
  const toml::node* n = zt.get("soa");
  if (!n) return missing(zs, zt, "soa");
  if (!n->is_table()) return type_error(zs, "soa", *n, "a table");
  const toml::table& t = *n->as_table();
  scope s{"soa ", "[zone].soa"};
  check_keys(t, soa_schema);
  wire::name mname, rname;
  if (const toml::node* m = string_node(t, soa_schema["mname"], s))
    mname = name_value(*m, "mname", s);
  else if (!t.get("mname"))
    missing(s, t, "mname");
  if (const toml::node* r = string_node(t, soa_schema["rname"], s))
    rname = name_value(*r, "rname", s, false);  // a mailbox: its first label is free text
  else if (!t.get("rname"))
    missing(s, t, "rname");

  // RFC 1035 section 3.3.13; an absent serial follows the file's modification time, so that
  // an edited file is seen as newer by secondaries.
  struct stat st {};
  uint32_t serial = ::stat(file_.c_str(), &st) == 0 ? uint32_t(st.st_mtime) : 1;
  if (auto v = integer(t, soa_schema["serial"], s)) serial = uint32_t(*v);
  uint32_t timers[4] = {3600, 600, 604800, 60};
  const char* names[4] = {"refresh", "retry", "expire", "minimum"};
  for (int i = 0; i < 4; ++i)
    if (auto v = integer(t, soa_schema[names[i]], s)) timers[i] = uint32_t(*v);
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

}  // namespace sipdns::zone::detail
