// Text and JSON renderings of a resolution and of a --repeat distribution (see report.hpp).
#include "resolve/report.hpp"

#include <algorithm>
#include <tuple>

#include "json/json.hpp"

namespace sipdns::resolve {

namespace {

std::string record_line(const via& v) {
  return v.owner + " " + std::to_string(v.ttl) + " " + v.type + " " + v.data;
}

std::string step_result(const query_step& q) {
  switch (q.result) {
    case status::ok: return std::to_string(q.records) + (q.records == 1 ? " record" : " records");
    case status::nodata: return "no records (NODATA)";
    case status::nxdomain: return "no such name (NXDOMAIN)";
    case status::failed: return "failed: " + q.error;
  }
  return "?";
}

std::string tname(transport t) { return std::string(transport_name(t)); }

}  // namespace

void add_run(distribution& d, const resolution& r) {
  ++d.runs;
  if (r.hops.empty()) ++d.empty_runs;
  std::vector<tally_row*> seen;
  for (size_t i = 0; i < r.hops.size(); ++i) {
    const hop& h = r.hops[i];
    auto it = std::find_if(d.rows.begin(), d.rows.end(), [&](const tally_row& t) {
      return t.proto == h.proto && t.address == h.address && t.port == h.port &&
             t.service == h.service;
    });
    if (it == d.rows.end()) it = d.rows.insert(d.rows.end(), {h.service, h.proto, h.address, h.port});
    if (i == 0) ++it->first;
    // A target listed twice in one run (two SRV records to one host) counts once.
    if (std::find(seen.begin(), seen.end(), &*it) != seen.end()) continue;
    ++it->listed;
    it->position_sum += i + 1;
    seen.push_back(&*it);
  }
}

void sort_rows(distribution& d) {
  std::sort(d.rows.begin(), d.rows.end(), [](const tally_row& a, const tally_row& b) {
    if (a.first != b.first) return a.first > b.first;
    if (a.mean_position() != b.mean_position()) return a.mean_position() < b.mean_position();
    return std::tie(a.proto, a.address, a.port, a.service) <
           std::tie(b.proto, b.address, b.port, b.service);
  });
}

void print_text(FILE* to, const report_context& ctx, const resolution& r) {
  std::fprintf(to, "%s: %s\n\nqueries:\n", ctx.target_text.c_str(), r.plan.c_str());
  size_t width = 0;
  for (const auto& q : r.queries) width = std::max(width, q.name.size());
  for (const auto& q : r.queries)
    std::fprintf(to, "  %-5s %-*s  %s\n", q.type.c_str(), int(width), q.name.c_str(),
                 step_result(q).c_str());
  if (r.queries.empty()) std::fprintf(to, "  none\n");
  if (!r.notes.empty()) std::fprintf(to, "\nnotes:\n");
  for (const auto& n : r.notes) std::fprintf(to, "  %s\n", n.c_str());
  if (r.hops.empty()) {
    std::fprintf(to, "\nno target: an endpoint has nothing to try\n");
    return;
  }
  std::fprintf(to, "\ntargets, in the order an endpoint tries them:\n");
  for (size_t i = 0; i < r.hops.size(); ++i) {
    const hop& h = r.hops[i];
    std::fprintf(to, "  %zu. %s %s port %u (%s)\n", i + 1, tname(h.proto).c_str(),
                 h.address.c_str(), unsigned(h.port), h.service.c_str());
    for (const auto& v : h.chain) std::fprintf(to, "       %s\n", record_line(v).c_str());
  }
  if (r.random_order)
    std::fprintf(to, "\nrandom order (RFC 2782 weights): --seed %llu gives this one again\n",
                 static_cast<unsigned long long>(ctx.seed));
}

void print_json(FILE* to, const report_context& ctx, const resolution& r) {
  std::fprintf(to, "{\"target\":%s,", json::quote(ctx.target_text).c_str());
  // The seed only matters, and is only shown, when draws decided part of the order.
  if (r.random_order)
    std::fprintf(to, "\"seed\":%llu,", static_cast<unsigned long long>(ctx.seed));
  std::fprintf(to, "\"random_order\":%s,\"plan\":%s,\"queries\":[",
               r.random_order ? "true" : "false", json::quote(r.plan).c_str());
  for (size_t i = 0; i < r.queries.size(); ++i) {
    const auto& q = r.queries[i];
    std::fprintf(to, "%s{\"type\":%s,\"name\":%s,\"status\":\"%s\",\"records\":%zu", i ? "," : "",
                 json::quote(q.type).c_str(), json::quote(q.name).c_str(),
                 std::string(status_name(q.result)).c_str(), q.records);
    if (!q.error.empty()) std::fprintf(to, ",\"error\":%s", json::quote(q.error).c_str());
    std::fputs("}", to);
  }
  std::fputs("],\"notes\":[", to);
  for (size_t i = 0; i < r.notes.size(); ++i)
    std::fprintf(to, "%s%s", i ? "," : "", json::quote(r.notes[i]).c_str());
  std::fputs("],\"targets\":[", to);
  for (size_t i = 0; i < r.hops.size(); ++i) {
    const hop& h = r.hops[i];
    std::fprintf(to, "%s{\"transport\":\"%s\",\"address\":%s,\"port\":%u,\"service\":%s,\"via\":[",
                 i ? "," : "", tname(h.proto).c_str(), json::quote(h.address).c_str(),
                 unsigned(h.port), json::quote(h.service).c_str());
    for (size_t j = 0; j < h.chain.size(); ++j) {
      const via& v = h.chain[j];
      std::fprintf(to, "%s{\"name\":%s,\"ttl\":%u,\"type\":%s,\"data\":%s}", j ? "," : "",
                   json::quote(v.owner).c_str(), unsigned(v.ttl), json::quote(v.type).c_str(),
                   json::quote(v.data).c_str());
    }
    std::fputs("]}", to);
  }
  std::fputs("]}\n", to);
}

void print_distribution_text(FILE* to, const report_context& ctx, const distribution& d) {
  std::fprintf(to, "%s: %zu runs, seed %llu (each run asks every question again, as a new "
               "endpoint would)\n\n",
               ctx.target_text.c_str(), d.runs, static_cast<unsigned long long>(ctx.seed));
  if (d.empty_runs) std::fprintf(to, "runs with no target: %zu\n\n", d.empty_runs);
  size_t width = 7;
  for (const auto& t : d.rows) width = std::max(width, t.address.size());
  std::fprintf(to, "  %6s  %7s  %8s  %-10s  %-*s  %5s  %s\n", "first%", "first", "mean pos",
               "service", int(width), "address", "port", "listed in");
  for (const auto& t : d.rows) {
    double share = d.runs ? 100.0 * double(t.first) / double(d.runs) : 0;
    std::fprintf(to, "  %5.1f%%  %7zu  %8.2f  %-10s  %-*s  %5u  %zu\n", share, t.first,
                 t.mean_position(), (t.service + "/" + tname(t.proto)).c_str(), int(width),
                 t.address.c_str(), unsigned(t.port), t.listed);
  }
}

void print_distribution_json(FILE* to, const report_context& ctx, const distribution& d) {
  std::fprintf(to, "{\"target\":%s,\"seed\":%llu,\"runs\":%zu,\"empty_runs\":%zu,\"targets\":[",
               json::quote(ctx.target_text).c_str(), static_cast<unsigned long long>(ctx.seed),
               d.runs, d.empty_runs);
  for (size_t i = 0; i < d.rows.size(); ++i) {
    const auto& t = d.rows[i];
    double share = d.runs ? double(t.first) / double(d.runs) : 0;
    std::fprintf(to,
                 "%s{\"transport\":\"%s\",\"service\":%s,\"address\":%s,\"port\":%u,"
                 "\"first\":%zu,\"first_share\":%.4f,\"listed\":%zu,\"mean_position\":%.3f}",
                 i ? "," : "", tname(t.proto).c_str(), json::quote(t.service).c_str(),
                 json::quote(t.address).c_str(), unsigned(t.port), t.first, share, t.listed,
                 t.mean_position());
  }
  std::fputs("]}\n", to);
}

}  // namespace sipdns::resolve
