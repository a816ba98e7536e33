// The status as one JSON object; the shape is documented in README.md ("sipdns status").
#include "json/json.hpp"
#include "control/status.hpp"

namespace sipdns::control {
namespace {

// A time as ISO 8601 UTC, or null when never.
void time_field(json::writer& w, std::string_view key, int64_t ms) {
  w.key(key);
  if (ms > 0) w.value(iso8601(ms));
  else w.null();
}

void strings(json::writer& w, std::string_view key, const std::vector<std::string>& v) {
  w.key(key).begin_array();
  for (const std::string& s : v) w.value(s);
  w.end_array();
}

void write_service(json::writer& w, const status::service_state& v) {
  w.begin_object().field("service", v.service).field("state", v.state);
  time_field(w, "since", v.since_ms);
  w.key("probe");
  if (v.probe.empty()) w.null();
  else w.value(v.probe);
  w.key("last_probe");
  if (v.last_result.empty()) {
    w.null();
  } else {
    w.begin_object().field("result", v.last_result).field("reason", v.reason)
        .field("latency_ms", v.latency_ms);
    time_field(w, "at", v.last_probe_ms);
    w.end_object();
  }
  w.field("drained", v.drained);
  time_field(w, "drained_since", v.drained ? v.drained_since_ms : 0);
  w.end_object();
}

void write_cluster(json::writer& w, const status::cluster_info& c) {
  w.begin_object().field("zone", c.zone).key("name");
  if (c.name.empty()) w.null();
  else w.value(c.name);
  strings(w, "srv_names", c.srv_names);
  w.key("answers").begin_array();
  for (const status::rrset& r : c.answers) {
    w.begin_object().field("name", r.name).field("type", r.type);
    strings(w, "data", r.data);
    w.end_object();
  }
  w.end_array().key("peers").begin_array();
  for (const status::peer_info& p : c.peers) {
    w.begin_object().field("host", p.host);
    strings(w, "addresses", p.addresses);
    w.key("services").begin_array();
    for (const status::service_state& v : p.services) write_service(w, v);
    w.end_array().end_object();
  }
  w.end_array().end_object();
}

void write_zones(json::writer& w, const status& s) {
  w.key("zones").begin_array();
  for (const status::zone_info& z : s.zones) {
    w.begin_object().field("origin", z.origin).field("serial", z.serial)
        .field("journal", uint64_t(z.journal)).field("records", uint64_t(z.records));
    time_field(w, "loaded", z.loaded_ms);
    w.end_object();
  }
  w.end_array();
}

void write_checks(json::writer& w, const status& s) {
  w.key("checks").begin_array();
  for (const status::check_info& c : s.checks) {
    w.begin_object().field("label", c.label).field("probe", c.probe).field("state", c.state)
        .field("probed", c.probed).field("reason", c.reason).field("latency_ms", c.latency_ms);
    time_field(w, "since", c.since_ms);
    w.end_object();
  }
  w.end_array();
  strings(w, "drains", s.drains);
}

void write_transitions(json::writer& w, const status& s) {
  w.key("transitions").begin_array();
  for (const status::transition& t : s.transitions) {
    w.begin_object();
    time_field(w, "at", t.at_ms);
    w.field("peer", t.peer).field("service", t.service).field("from", t.from)
        .field("to", t.to).field("reason", t.reason).end_object();
  }
  w.end_array();
}

void write_secondaries(json::writer& w, const status& s) {
  w.key("notifies").begin_array();
  for (const status::notify_info& n : s.notifies) {
    w.begin_object().field("secondary", n.secondary).field("zone", n.zone)
        .field("serial", n.serial).field("result", n.result);
    time_field(w, "sent", n.sent_ms);
    time_field(w, "acked", n.acked_ms);
    w.end_object();
  }
  w.end_array().key("transfers").begin_array();
  for (const status::transfer_info& t : s.transfers) {
    w.begin_object().field("zone", t.zone).field("client", t.client).field("kind", t.kind)
        .field("serial", t.serial);
    time_field(w, "at", t.at_ms);
    w.end_object();
  }
  w.end_array();
}

}  // namespace

std::string status_json(const status& s) {
  json::writer w;
  w.begin_object();
  time_field(w, "time", s.now_ms);
  w.field("generation", s.generation).key("reloads").begin_object()
      .field("ok", s.reloads_ok).field("failed", s.reloads_failed).end_object();
  write_zones(w, s);
  w.key("clusters").begin_array();
  for (const status::cluster_info& c : s.clusters) write_cluster(w, c);
  w.end_array();
  write_checks(w, s);
  write_transitions(w, s);
  write_secondaries(w, s);
  w.key("rrl");
  if (s.rrl)
    w.begin_object().field("limited", s.rrl->limited).field("truncated", s.rrl->slipped)
        .field("dropped", s.rrl->dropped).end_object();
  else
    w.null();
  return w.end_object().str();
}

}  // namespace sipdns::control
