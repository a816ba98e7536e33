// The reader behind read_zone_file (reader.hpp), shared by the files that read one TOML table
// each: reader.cpp (the file, the top level, the dedupe), read_zone.cpp ([zone] and its SOA),
// read_cluster.cpp ([[cluster]] and its peers), read_health.cpp ([cluster.health]) and
// reader_fields.cpp (typed access to values, checked against schema.hpp, and the messages).
#pragma once
#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zone/diagnostic.hpp"
#include "zone/model.hpp"
#include "zone/records_scan.hpp"
#include "zone/schema.hpp"

namespace sipdns::zone::detail {

std::string quoted(std::string_view s);
const char* type_text(const toml::node& n);  // "a string", "an integer", ...
std::string valid_services();                // "sip+tcp, sips+tcp, ..."

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
  std::optional<zone> read();

 private:
  using pos_pair = std::pair<source_pos, source_pos>;  // where priority and weight were written

  std::optional<zone> read_root(const toml::table& root);
  void merge_duplicates();

  // read_zone.cpp
  bool read_zone(const toml::table& zt);
  bool read_origin(const toml::table& zt, const scope& s);
  void read_ns(const toml::table& zt, const scope& s);
  void read_records(const toml::table& zt, const scope& s);
  void read_scanned(const std::vector<scanned_record>& recs);
  void read_soa(const toml::table& zt, const scope& zs);

  // read_cluster.cpp
  void read_cluster(const toml::table& t, size_t index);
  void read_cluster_name(const toml::table& t, cluster& c, std::string& label, const scope& s);
  void read_services(const toml::table& t, cluster& c, const scope& s);
  std::vector<pos_pair> read_peers(const toml::table& t, cluster& c, const scope& s);
  pos_pair read_peer(const toml::table& t, const cluster& c, peer& p);
  void read_ports(const toml::node& pn, const cluster& c, peer& p, const scope& s);
  void check_health_peers(const cluster& c, const toml::node* srv_ttl_at);
  // `ttl` ("adaptive" or seconds); returns its node, null when absent or wrong.
  const toml::node* read_ttl_policy(const toml::table& t, cluster& c, const scope& s);
  // A health-checked cluster's TTL against its failure detection time.
  void check_health_ttl(cluster& c, const toml::node* ttl_at, const toml::node* rr_ttl_at);
  void warn_unequal(const cluster& c, const std::string& label, const std::vector<pos_pair>& at);

  // read_health.cpp
  std::optional<health_config> read_health(const toml::table& t, const cluster& c);
  const toml::node* read_probe(const toml::table& t, const cluster& c, health_config& h,
                               const scope& s);
  void read_timing(const toml::table& t, health_config& h, const scope& s);
  void read_up_codes(const toml::table& t, health_config& h, const scope& s, bool sip);
  void read_tls(const toml::table& t, const cluster& c, health_config& h, const scope& s,
                bool kind_known);

  // reader_fields.cpp: positions, messages and typed values. Each accessor reports a wrong
  // type or range and returns empty; an absent key is empty without a message.
  source_pos pos(const toml::source_region& r) const {
    return {at_file_, uint32_t(r.begin.line), uint32_t(r.begin.column)};
  }
  source_pos pos(const toml::node& n) const { return pos(n.source()); }
  void report(source_pos where, severity level, std::string message) {
    diags_.push_back({std::move(where), level, std::move(message)});
  }
  // A warning of lint rule `rule`, unless the zone or cluster `c` silences it (lint_ignore).
  void report_rule(const cluster& c, source_pos where, const char* rule, std::string message) {
    if (waived(zone_.lint_ignore, rule) || waived(c.lint_ignore, rule)) return;
    diags_.push_back({std::move(where), severity::warning, std::move(message), rule});
  }
  void error(const toml::node& n, std::string message) {
    report(pos(n), severity::error, std::move(message));
  }
  size_t error_count() const;
  void check_keys(const toml::table& t, const table_schema& schema);
  void type_error(const scope& s, std::string_view key, const toml::node& n, const char* want);
  void missing(const scope& s, const toml::node& table, std::string_view key);
  const toml::node* string_node(const toml::table& t, const field& f, const scope& s);
  std::optional<int64_t> integer(const toml::table& t, const field& f, const scope& s,
                                 const toml::node** at = nullptr) {
    return integer_at(t.get(f.key), f, s, at);
  }
  std::optional<int64_t> integer_at(const toml::node* n, const field& f, const scope& s,
                                    const toml::node** at = nullptr);
  std::optional<bool> boolean(const toml::table& t, const field& f, const scope& s,
                              const toml::node** at);
  const toml::array* string_array(const toml::table& t, const field& f, const scope& s);
  std::vector<lint_waiver> lint_ignore(const toml::table& t, const table_schema& ts,
                                       const scope& s);
  wire::name name_value(const toml::node& n, std::string_view what, const scope& s,
                        bool host_like = true);
  bool inside_zone(const toml::node& n, const wire::name& name, std::string_view what,
                   const scope& s);

  std::string file_;
  file_name at_file_;  // file_, interned once: every record's position points at it
  size_t scan_from_;
  const records_scan* scan_ = nullptr;  // set when [zone].records comes from the scanner
  std::vector<diagnostic>& diags_;
  zone zone_;
};

}  // namespace sipdns::zone::detail
