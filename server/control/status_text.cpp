// The status as text lines: the historic lines first, unchanged, then the richer ones.
#include <chrono>
#include <ctime>

#include "control/status.hpp"

namespace sipdns::control {

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso8601(int64_t unix_ms) {
  if (unix_ms <= 0) return {};
  const std::time_t secs = std::time_t(unix_ms / 1000);
  std::tm tm{};
  if (!::gmtime_r(&secs, &tm)) return {};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(unix_ms % 1000));
  return buf;
}

namespace {

std::string seconds_ago(const status& s, int64_t t) {
  return std::to_string(s.now_ms > t ? (s.now_ms - t) / 1000 : 0) + " s ago";
}

// What every existing reader of `sipdns status` parses: same words, same order.
void historic_lines(const status& s, std::vector<std::string>& out) {
  for (const status::check_info& c : s.checks)
    out.push_back(c.label + " " + c.probe + " " + c.state + " " + c.reason + " " +
                  std::to_string(c.latency_ms) + "ms");
  for (const std::string& d : s.drains) out.push_back("drained " + d);
  if (out.empty()) out.push_back("no health checks configured, nothing drained");
  out.push_back("reloads: ok " + std::to_string(s.reloads_ok) + " failed " +
                std::to_string(s.reloads_failed));
  out.push_back("generation: " + std::to_string(s.generation));
  for (const status::zone_info& z : s.zones)
    out.push_back("zone " + z.origin + " serial " + std::to_string(z.serial) + " journal " +
                  std::to_string(z.journal));
  if (s.rrl)
    out.push_back("rrl: " + std::to_string(s.rrl->limited) + " limited UDP replies (" +
                  std::to_string(s.rrl->slipped) + " truncated, " +
                  std::to_string(s.rrl->dropped) + " dropped)");
  for (const status::transfer_info& t : s.transfers)
    out.push_back("transfer " + t.zone + " to " + t.client + " " + t.kind + " serial " +
                  std::to_string(t.serial) + " " + seconds_ago(s, t.at_ms));
  for (const status::notify_info& n : s.notifies) {
    std::string line = "notify " + n.secondary + " " + n.zone + " serial " + std::to_string(n.serial);
    if (n.sent_ms) line += " sent " + seconds_ago(s, n.sent_ms);
    if (n.result == "acked") line += " acked " + seconds_ago(s, n.acked_ms);
    else if (n.result != "pending") line += " " + n.result;
    out.push_back(std::move(line));
  }
}

// "up since T (sip-options/tcp 5060: 200 OK, 3 ms)", ", drained since T".
std::string service_text(const status::service_state& v) {
  std::string t = v.state;
  if (v.since_ms) t += " since " + iso8601(v.since_ms);
  if (!v.probe.empty()) {
    t += " (" + v.probe;
    if (!v.last_result.empty())
      t += ": " + v.last_result + ", " + v.reason + ", " + std::to_string(v.latency_ms) + " ms";
    t += ")";
  }
  if (v.drained) t += v.drained_since_ms ? ", drained since " + iso8601(v.drained_since_ms)
                                         : ", drained (restored at start)";
  return t;
}

void cluster_lines(const status::cluster_info& c, std::vector<std::string>& out) {
  std::string head = "cluster " + (c.name.empty() ? std::string("-") : c.name) + " zone " + c.zone;
  for (const std::string& n : c.srv_names) head += " srv " + n;
  out.push_back(std::move(head));
  for (const status::rrset& r : c.answers) {
    std::string line = "answers " + r.name + " " + r.type;
    for (size_t i = 0; i < r.data.size(); ++i) line += (i ? ", " : " ") + r.data[i];
    if (r.data.empty()) line += " (none)";
    out.push_back(std::move(line));
  }
  for (const status::peer_info& p : c.peers)
    for (const status::service_state& v : p.services)
      out.push_back("peer " + p.host + " " + v.service + " " + service_text(v));
}

}  // namespace

std::vector<std::string> status_lines(const status& s) {
  std::vector<std::string> out;
  historic_lines(s, out);
  for (const status::zone_info& z : s.zones)
    out.push_back("loaded zone " + z.origin + " serial " + std::to_string(z.serial) + " at " +
                  iso8601(z.loaded_ms) + " records " + std::to_string(z.records));
  for (const status::cluster_info& c : s.clusters) cluster_lines(c, out);
  for (const status::transition& t : s.transitions)
    out.push_back("transition " + iso8601(t.at_ms) + " " + t.peer + " " + t.service + " " +
                  t.from + " -> " + t.to + " (" + t.reason + ")");
  return out;
}

}  // namespace sipdns::control
