// What `sipdns status` reports, as one typed value, rendered as text lines or one JSON object.
//
// Design: the runtime fills what it knows (zones, clusters, checks, drains, counters) from its
// last published version and the prober; the daemon adds its own parts (secondaries, RRL).
// Renderers only read it, so the text, the JSON and a later HTTP page cannot disagree. Times
// are wall clock, Unix milliseconds, 0 meaning never or unknown; renderers print ISO 8601 UTC.
// Names are presentation text with the final dot ("lab1.lab.test.").
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sipdns::control {

struct status {
  struct zone_info {
    std::string origin;
    uint32_t serial = 0;
    size_t journal = 0;     // changes an IXFR can send
    int64_t loaded_ms = 0;  // when the zone set serving it was read from the files
    size_t records = 0;     // served, SOA included
  };
  // One service of one peer in one cluster.
  struct service_state {
    std::string service;     // "sip+tcp"
    std::string state;       // up, down, draining, unknown (not probed yet), unchecked
    int64_t since_ms = 0;
    std::string probe;       // "sip-options/tcp 5060"; empty when unchecked
    std::string last_result; // what the last probe said (up/down/draining); empty: none yet
    std::string reason;
    uint32_t latency_ms = 0;
    int64_t last_probe_ms = 0;
    bool drained = false;         // by the operator, the whole peer or this service
    int64_t drained_since_ms = 0; // 0 with drained: restored from the state directory
  };
  struct peer_info {
    std::string host;
    std::vector<std::string> addresses;
    std::vector<service_state> services;
  };
  // The records a name answers with now, each rdata as presentation text.
  struct rrset {
    std::string name, type;
    std::vector<std::string> data;
  };
  struct cluster_info {
    std::string zone, name;  // name: the round-robin A/AAAA owner; empty when none
    std::vector<std::string> srv_names;
    std::vector<peer_info> peers;
    std::vector<rrset> answers;  // at the round-robin name and SRV names, as served now
  };
  struct check_info {  // one probe, as the prober runs it (shared by clusters with equal keys)
    std::string label, probe, state, reason;
    uint32_t latency_ms = 0;
    int64_t since_ms = 0;
    bool probed = false;
  };
  struct transition {
    int64_t at_ms = 0;
    std::string peer, service, from, to, reason;  // service "*": every service of the peer
  };
  struct notify_info {
    std::string secondary, zone;
    uint32_t serial = 0;
    int64_t sent_ms = 0, acked_ms = 0;
    std::string result;  // acked, refused, unanswered, pending
  };
  struct transfer_info {
    std::string zone, client, kind;
    uint32_t serial = 0;
    int64_t at_ms = 0;
  };
  struct rrl_totals {
    uint64_t limited = 0, slipped = 0, dropped = 0;
  };

  int64_t now_ms = 0;  // when this was taken
  std::vector<check_info> checks;
  std::vector<std::string> drains;  // "host." or "host. service"
  uint64_t reloads_ok = 0, reloads_failed = 0, generation = 0;
  std::vector<zone_info> zones;
  std::vector<cluster_info> clusters;
  std::vector<transition> transitions;  // oldest first, at most transitions_limit
  std::optional<rrl_totals> rrl;        // unset: RRL is off
  std::vector<transfer_info> transfers;
  std::vector<notify_info> notifies;
  static constexpr size_t transitions_limit = 50;
};

// "2026-12-05T18:02:08.123Z"; "" for 0.
std::string iso8601(int64_t unix_ms);
int64_t wall_clock_ms();

// The text form: the lines `status` always had, in their order and format (tests and scripts
// read them), then one line per zone load, cluster answer, peer service and transition.
std::vector<std::string> status_lines(const status& s);
// One JSON object (see README, "sipdns status --format json").
std::string status_json(const status& s);

}  // namespace sipdns::control
