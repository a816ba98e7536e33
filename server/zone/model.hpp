// The typed zone model: what a TOML zone file says, validated, before any answer is compiled.
//
// Explicit records are kept as wire data; a cluster is kept as a declaration so that the
// health view can later decide which peers its derived records include (see derive.hpp).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/name.hpp"

namespace sipdns::zone {

// A zone file's path, interned: the million records of a big zone share one copy of it
// instead of holding a heap string each. Interned paths live until the process exits (there
// are as many as distinct zone files ever loaded). Compares and converts as the path text.
class file_name {
 public:
  file_name() = default;
  file_name(std::string_view path);  // NOLINT: implicit, so {path, line, column} reads naturally
  file_name(const std::string& path) : file_name(std::string_view(path)) {}  // NOLINT
  file_name(const char* path) : file_name(std::string_view(path)) {}         // NOLINT
  const std::string& str() const { return text_ ? *text_ : empty(); }
  operator const std::string&() const { return str(); }  // NOLINT
  friend bool operator==(const file_name& a, const file_name& b) {
    return a.text_ == b.text_ || a.str() == b.str();
  }
  friend bool operator<(const file_name& a, const file_name& b) { return a.str() < b.str(); }

 private:
  static const std::string& empty();
  const std::string* text_ = nullptr;
};

// Where a value came from, for diagnostics ("zones/uctest.local.toml:14:11").
struct source_pos {
  file_name file;
  uint32_t line = 0;
  uint32_t column = 0;
};

// One resource record. Names inside rdata are uncompressed wire names, lower-cased.
struct record {
  wire::name owner;  // lower-cased absolute wire name
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string rdata;  // RFC 1035 wire rdata, no compression
  source_pos where;
};

// The services a cluster can offer, with their standard SRV owner prefixes and ports.
enum class service : uint8_t {
  sip_tcp,
  sips_tcp,
  sip_udp,
  h323cs,
  h323ls,
  h323rs,
  collab_edge,
  cisco_uds,
};
inline constexpr size_t service_count = 8;

struct service_info {
  service id;
  const char* key;         // as written in TOML: "sip+tcp"
  const char* srv_prefix;  // "_sip._tcp"
  uint16_t default_port;
  const char* naptr_service;  // RFC 3263 NAPTR service field, or nullptr
  uint16_t naptr_order;       // Expressway guide Appendix 4: 10 SIPS+D2T, 12 SIP+D2T, 14 SIP+D2U
};
const service_info& info(service s);
std::optional<service> service_from_key(std::string_view key);

// One rule id of a `lint_ignore` list ("SD105"), where it was written: `sipdns check` (and
// the loader, for the rules it checks itself) stays silent about that rule in the zone or
// cluster holding the list. Only warnings and infos can be silenced, never an error.
struct lint_waiver {
  std::string rule;
  source_pos where;
};
bool waived(const std::vector<lint_waiver>& list, std::string_view rule);

struct peer {
  wire::name host;  // absolute FQDN
  std::optional<std::array<uint8_t, 4>> ipv4;
  std::optional<std::array<uint8_t, 16>> ipv6;
  uint16_t priority = 10;
  uint16_t weight = 10;
  std::map<service, uint16_t> ports;  // overrides of the default port
  source_pos where;
};

// How a cluster's peers are health-checked (the prober in server/health/ reads this; the list
// of probes to run comes from health::list_checks in health/targets.hpp).
enum class probe_kind : uint8_t { tcp, tls, sip_options, stun };
enum class probe_transport : uint8_t { udp, tcp, tls };
// What a health-filtered RRset holds when the filter leaves it empty (see derive.hpp).
enum class all_down_policy : uint8_t {
  serve_all,   // fail open: answer as if every peer were up (default)
  serve_none,  // NODATA
};

// As written in TOML: "sip-options", "udp", "serve-all".
const char* to_text(probe_kind k);
const char* to_text(probe_transport t);
const char* to_text(all_down_policy p);

// Design: every value is validated by the reader (ranges, kinds, transports, the CA file's
// existence), so the prober never parses or second-guesses a health option.
struct health_config {
  probe_kind kind = probe_kind::tcp;
  // Unset: from the service (sip+udp, h323ls, h323rs -> udp; sips+tcp, collab-edge,
  // cisco-uds -> tls; others -> tcp), or tcp/tls for those probe kinds. See probe_transport_for.
  std::optional<probe_transport> transport;
  std::optional<uint16_t> port;  // unset: each service's own port
  uint32_t interval_ms = 1000;   // 100..3600000
  uint32_t timeout_ms = 400;     // 10..interval_ms - 1; with the defaults a dead peer is out in < 2 s
  uint32_t fall = 2;             // consecutive failures before a peer is down (1..10)
  uint32_t rise = 2;             // consecutive successes before it is back (1..10)
  all_down_policy all_down = all_down_policy::serve_all;
  // SIP OPTIONS final responses that mean "up", inclusive ranges; 503 always means draining.
  std::vector<std::pair<uint16_t, uint16_t>> up_codes = {{200, 699}};
  bool tls_verify = false;
  // PEM bundle; empty = the system's default paths. Relative paths in the zone file are
  // resolved against the zone file's directory by the reader, so this path opens as is.
  std::string tls_ca_file;
  std::string tls_name;  // expected certificate name; empty = the peer's host name
  source_pos where;      // of the health table
};

// How long the prober takes, at most, to take a dead peer out: `fall` intervals plus the last
// probe's timeout, in whole seconds rounded up, at least 1.
uint32_t detection_seconds(const health_config& h);

// The transport a probe of `kind` uses for service `s`: the explicit one, else tcp/tls for
// those kinds (even for UDP-only H.323 services: the kind decides), else the service's own.
// nullopt when the combination is invalid (STUN over TLS).
std::optional<probe_transport> probe_transport_for(const health_config& h, service s);

struct cluster {
  wire::name name;                // round-robin A/AAAA owner; empty if none
  std::vector<service> services;  // in declaration order
  wire::name srv_owner;           // domain under which _service._proto live
  bool naptr = false;
  uint32_t round_robin_ttl = 30;
  uint32_t srv_ttl = 86400;  // SRV and NAPTR; a health-checked cluster's SRV take health_ttl
  std::optional<uint32_t> host_ttl;  // peers' own A/AAAA/PTR; unset means the zone TTL
  // A health-checked cluster's `ttl`: the TTL of every RRset its probes decide (SRV and the
  // round-robin A/AAAA). Unset = "adaptive": detection_seconds(health), so a caching resolver
  // cannot hold a dead peer longer than the prober takes to see it fail.
  std::optional<uint32_t> fixed_ttl;
  uint32_t health_ttl() const;
  std::vector<peer> peers;
  std::optional<health_config> health;  // unset: never probed, every peer always served
  std::vector<lint_waiver> lint_ignore;
  source_pos where;
  uint16_t port_of(const peer& p, service s) const;
};

struct zone {
  wire::name origin;  // lower-cased absolute
  std::string file;
  source_pos where;  // of the origin value, for duplicate-zone errors
  uint32_t default_ttl = 3600;
  record soa;                   // the apex SOA (also present in `records`)
  std::vector<record> records;  // explicit records incl. SOA and apex NS
  std::vector<cluster> clusters;
  std::vector<lint_waiver> lint_ignore;  // for the whole zone, its clusters included
};

struct zone_set {
  std::vector<zone> zones;
};

}  // namespace sipdns::zone
