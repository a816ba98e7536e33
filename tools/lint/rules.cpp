// The rule table (see rules.hpp). Messages are written where a rule is checked; the hint and
// the source live here, once.
#include "lint/rules.hpp"

namespace sipdns::lint {
namespace {

// Ordered by id; the README's rule table mirrors this one.
const rule table[] = {
    {"SD000", "zone-file", level::error, "", "sipdns zone file format (README: Zone files)"},
    {"SD100", "lint-ignore-unknown", level::warning,
     "name a rule from the table in README (The sipdns command); errors cannot be silenced",
     "sipdns"},
    {"SD101", "cluster-unequal-weight", level::warning,
     "give every peer of the cluster the same priority and weight; put a backup peer in a "
     "cluster of its own with a higher priority number",
     "Expressway cluster guide, Appendix 2 (equal priority and weight per cluster)"},
    {"SD102", "backup-same-priority", level::warning,
     "give the backup cluster's peers a higher priority number than the primary's (e.g. "
     "primary 10, backup 20)",
     "Expressway cluster guide, Appendix 2; RFC 2782 (lowest priority first)"},
    {"SD103", "srv-target-cname", level::error,
     "point the SRV record (or the peer's host) at the canonical name, the one with A/AAAA "
     "records",
     "RFC 2782 (Target must not be an alias); RFC 2181 section 10.3"},
    {"SD104", "srv-target-no-address", level::error,
     "add an A/AAAA record for the target (or ipv4/ipv6 to the peer), or fix the name",
     "RFC 2782 (Target: a domain name with one or more address records)"},
    {"SD105", "naptr-no-srv", level::warning,
     "add SRV records at the replacement (a [[cluster]] whose srv_owner holds it), or fix "
     "the replacement",
     "RFC 3263 section 4.1; RFC 3403 section 4.1 (flag \"s\": the next lookup is SRV)"},
    {"SD106", "naptr-service-mismatch", level::warning,
     "SIPS+D2T points at _sips._tcp, SIP+D2T at _sip._tcp, SIP+D2U at _sip._udp, SIP+D2S at "
     "_sip._sctp; flag \"s\" for an SRV name",
     "RFC 3263 section 4.1"},
    {"SD107", "peer-no-ptr", level::warning,
     "add a PTR naming the peer (or remove the explicit PTR that names another host, so "
     "the cluster derives it)",
     "Expressway cluster guide, Appendix 2 (forward and reverse entries for every peer)"},
    {"SD108", "reverse-zone-missing", level::info,
     "load the reverse zone here, or make sure the PTR exists where that zone is served",
     "Expressway cluster guide, Appendix 2 (forward and reverse entries for every peer)"},
    {"SD109", "round-robin-ttl-high", level::warning,
     "set round_robin_ttl to 60 or less, or add a health table",
     "Expressway cluster guide, option 3 round-robin DNS (1 minute or less)"},
    {"SD110", "srv-ttl-low", level::warning,
     "raise srv_ttl (the guide advises 86400), or add a health table so failures are "
     "handled by sipdns",
     "Expressway cluster guide, option 2 DNS SRV (cache about 24 hours)"},
    {"SD111", "too-many-naptr", level::warning,
     "keep at most 6 NAPTR records at one name: drop transports the phones do not use",
     "Cisco IP Phone 7800 Series administration guide (up to 6 NAPTR and 12 SRV records)"},
    {"SD112", "too-many-srv", level::warning,
     "keep at most 12 SRV records at one name: fewer peers, or a separate srv_owner per "
     "cluster",
     "Cisco IP Phone 7800 Series administration guide (up to 6 NAPTR and 12 SRV records)"},
    {"SD113", "cluster-name-is-peer", level::warning,
     "give the cluster a name of its own (e.g. expressway.example.com, peers expe1, expe2)",
     "Expressway cluster guide (cluster name and peer names are distinct FQDNs)"},
    {"SD114", "local-origin", level::warning,
     "use a unicast DNS domain you own (e.g. a subdomain of your company's domain)",
     "RFC 6762 sections 3 and 22.1 (.local is resolved by multicast DNS)"},
    {"SD115", "video-sip-udp", level::warning,
     "drop sip+udp from a video cluster (keep sip+tcp and sips+tcp), or serve audio-only "
     "endpoints from a cluster of their own",
     "Expressway cluster guide, DNS SRV configuration for video conferencing"},
};

}  // namespace

const char* to_text(level l) {
  switch (l) {
    case level::error: return "error";
    case level::warning: return "warning";
    case level::info: return "info";
  }
  return "error";
}

std::span<const rule> rules() { return table; }

const rule* find_rule(std::string_view id) {
  for (const rule& r : table)
    if (id == r.id) return &r;
  return nullptr;
}

}  // namespace sipdns::lint
