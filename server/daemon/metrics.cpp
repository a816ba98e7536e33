// The Prometheus text format of sipdnsd's counters.
#include "daemon/metrics.hpp"

#include <cstdio>

#include "wire/name.hpp"
#include "zone/model.hpp"

namespace sipdns::daemon {
namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void sample(std::string& out, const std::string& name, const std::string& labels, double v) {
  char num[64];
  std::snprintf(num, sizeof num, "%.17g", v);
  out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + num + "\n";
}

void queries(std::string& out, const metric_sources& s) {
  family(out, "sipdns_queries_total", "counter",
         "DNS replies sent, by transport, QTYPE of the question and RCODE.");
  for (int t = 0; t < 2; ++t)
    for (size_t q = 0; q < net::qtype_buckets; ++q)
      for (size_t r = 0; r < net::rcode_buckets; ++r) {
        uint64_t n = 0;
        for (const auto* l : s.loops) n += l->queries[t][q][r].get();
        if (n == 0) continue;  // a series appears with its first reply
        sample(out, "sipdns_queries_total",
               std::string("transport=\"") + (t ? "tcp" : "udp") + "\",qtype=\"" +
                   net::qtype_names[q] + "\",rcode=\"" + net::rcode_name(r) + "\"",
               double(n));
      }
  uint64_t tc = 0, conns = 0;
  for (const auto* l : s.loops) tc += l->truncated.get(), conns += l->tcp_connections.get();
  family(out, "sipdns_responses_truncated_total", "counter", "Replies sent with TC set.");
  sample(out, "sipdns_responses_truncated_total", "", double(tc));
  family(out, "sipdns_tcp_connections", "gauge", "Open DNS TCP connections.");
  sample(out, "sipdns_tcp_connections", "", double(conns));
}

void latency(std::string& out, const metric_sources& s) {
  family(out, "sipdns_query_duration_seconds", "histogram",
         "Time from a query's arrival to its reply's send, inside sipdnsd.");
  uint64_t cumulative = 0, sum_ns = 0, count = 0;
  for (size_t b = 0; b <= net::latency_bounds_us.size(); ++b) {
    for (const auto* l : s.loops) cumulative += l->latency[b].get();
    std::string le = "+Inf";
    if (b < net::latency_bounds_us.size()) {
      char v[32];
      std::snprintf(v, sizeof v, "%g", net::latency_bounds_us[b] / 1e6);
      le = v;
    }
    sample(out, "sipdns_query_duration_seconds_bucket", "le=\"" + le + "\"", double(cumulative));
  }
  for (const auto* l : s.loops) sum_ns += l->latency_sum_ns.get(), count += l->latency_count.get();
  sample(out, "sipdns_query_duration_seconds_sum", "", double(sum_ns) / 1e9);
  sample(out, "sipdns_query_duration_seconds_count", "", double(count));
}

// The services of a check's label "<host> <key>+<key>...": service keys contain '+'
// themselves ("sip+tcp"), so they are matched against the known keys.
std::vector<std::string> services_of(const std::string& keys) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < keys.size()) {
    size_t best = 0;
    for (size_t i = 0; i < zone::service_count; ++i) {
      std::string k = zone::info(zone::service(i)).key;
      if (keys.compare(at, k.size(), k) == 0 && k.size() > best) best = k.size();
    }
    if (best == 0) return {keys};
    out.push_back(keys.substr(at, best));
    at += best + 1;
  }
  return out;
}

void zones_and_peers(std::string& out, const metric_sources& s) {
  auto src = s.runtime->transfer_view();
  std::vector<std::string> origins;
  if (src) {
    family(out, "sipdns_zone_serial", "gauge", "SOA serial each zone serves.");
    for (size_t z = 0; z < src->set->zones.size() && z < src->serials.size(); ++z) {
      origins.push_back(wire::name_to_text(src->set->zones[z].origin));
      sample(out, "sipdns_zone_serial", "zone=\"" + label_value(origins.back()) + "\"",
             double(src->serials[z]));
    }
  }
  const control::runtime::counters c = s.runtime->counts();
  family(out, "sipdns_reloads_total", "counter", "Zone reloads after start-up, by result.");
  sample(out, "sipdns_reloads_total", "result=\"ok\"", double(c.reloads_ok));
  sample(out, "sipdns_reloads_total", "result=\"failed\"", double(c.reloads_failed));
  if (!s.prober) return;
  family(out, "sipdns_peer_state", "gauge",
         "1 for the state each health-checked peer's service is in (up, down, draining).");
  for (const health::check_status& st : s.prober->status()) {
    const size_t sp = st.label.find(' ');
    std::string peer = st.label.substr(0, sp);
    if (!peer.ends_with(".")) peer += '.';  // as zones and status name it: absolute
    std::string zone;  // the longest served origin the peer's name ends with
    for (const std::string& o : origins)
      if ((peer == o || peer.ends_with("." + o)) && o.size() > zone.size()) zone = o;
    for (const std::string& svc : services_of(sp == std::string::npos ? "" : st.label.substr(sp + 1)))
      for (health::state each : {health::state::up, health::state::down, health::state::draining})
        sample(out, "sipdns_peer_state",
               "zone=\"" + label_value(zone) + "\",peer=\"" + label_value(peer) +
                   "\",service=\"" + label_value(svc) + "\",state=\"" + health::to_string(each) + "\"",
               st.current == each ? 1 : 0);
  }
}

void probes(std::string& out, const health::probe_stats& st) {
  using health::probe_stats;
  static constexpr health::probe_kind kinds[] = {health::probe_kind::tcp, health::probe_kind::tls,
                                                 health::probe_kind::sip_options,
                                                 health::probe_kind::stun};
  std::string totals, hist;
  for (health::probe_kind kind : kinds)
    for (size_t o = 0; o < probe_stats::outcome_names.size(); ++o) {
      const probe_stats::cell& c = st.at(size_t(kind), o);
      uint64_t cumulative = 0;
      const std::string labels = std::string("kind=\"") + health::to_text(kind) +
                                 "\",outcome=\"" + probe_stats::outcome_names[o] + "\"";
      for (const auto& b : c.buckets) cumulative += b.load(std::memory_order_relaxed);
      if (cumulative == 0) continue;  // a series appears with its first probe
      sample(totals, "sipdns_probes_total", labels, double(cumulative));
      cumulative = 0;
      for (size_t b = 0; b < c.buckets.size(); ++b) {
        cumulative += c.buckets[b].load(std::memory_order_relaxed);
        std::string le = "+Inf";
        if (b < probe_stats::bounds_ms.size()) {
          char v[32];
          std::snprintf(v, sizeof v, "%g", probe_stats::bounds_ms[b] / 1e3);
          le = v;
        }
        sample(hist, "sipdns_probe_duration_seconds_bucket", labels + ",le=\"" + le + "\"",
               double(cumulative));
      }
      sample(hist, "sipdns_probe_duration_seconds_sum", labels,
             double(c.sum_ms.load(std::memory_order_relaxed)) / 1e3);
      sample(hist, "sipdns_probe_duration_seconds_count", labels, double(cumulative));
    }
  family(out, "sipdns_probes_total", "counter", "Health probes answered or given up, by kind and outcome.");
  out += totals;
  family(out, "sipdns_probe_duration_seconds", "histogram", "Health probe durations, by kind and outcome.");
  out += hist;
}

void secondaries(std::string& out, const metric_sources& s) {
  if (s.notify) {
    family(out, "sipdns_notify_total", "counter",
           "NOTIFY messages per secondary: sent (retries included), acknowledged, refused.");
    for (const notifier::tally& t : s.notify->counts()) {
      const std::string who = "secondary=\"" + label_value(t.secondary) + "\",result=\"";
      sample(out, "sipdns_notify_total", who + "sent\"", double(t.sent));
      sample(out, "sipdns_notify_total", who + "acked\"", double(t.acked));
      sample(out, "sipdns_notify_total", who + "refused\"", double(t.refused));
    }
  }
  if (s.transfers) {
    family(out, "sipdns_transfers_total", "counter", "Zone transfers served, by client and kind.");
    for (const auto& [k, n] : s.transfers->counts())
      sample(out, "sipdns_transfers_total",
             "client=\"" + label_value(k.first) + "\",kind=\"" + label_value(k.second) + "\"",
             double(n));
  }
}

}  // namespace

std::string label_value(const std::string& v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\' || ch == '"') out += '\\', out += ch;
    else if (ch == '\n') out += "\\n";
    else out += ch;
  }
  return out;
}

std::string metrics_text(const metric_sources& s) {
  std::string out;
  queries(out, s);
  latency(out, s);
  if (s.rrl) {
    const rrl::counters r = s.rrl->read();
    family(out, "sipdns_rrl_limited_total", "counter", "UDP replies limited by RRL, by action.");
    sample(out, "sipdns_rrl_limited_total", "action=\"slip\"", double(r.slipped));
    sample(out, "sipdns_rrl_limited_total", "action=\"drop\"", double(r.dropped));
  }
  if (s.query_log) {
    family(out, "sipdns_query_log_lines_total", "counter", "Lines written to --query-log.");
    sample(out, "sipdns_query_log_lines_total", "", double(s.query_log->lines()));
    family(out, "sipdns_query_log_dropped_total", "counter",
           "Query log lines dropped because a loop's buffer was full.");
    sample(out, "sipdns_query_log_dropped_total", "", double(s.query_log->dropped()));
  }
  if (s.runtime) zones_and_peers(out, s);
  if (s.prober) probes(out, s.prober->probe_counts());
  secondaries(out, s);
  return out;
}

}  // namespace sipdns::daemon
