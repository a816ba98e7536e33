// [cluster.health]: which probe runs how often, what counts as up, and its TLS settings.
// Every value is validated here so that the prober never second-guesses one (model.hpp).
#include <sys/stat.h>

#include <cctype>

#include "zone/reader_impl.hpp"

namespace sipdns::zone::detail {
namespace {

// Why this probe uses no TLS ("probe \"tcp\" does not use TLS"), or empty when it does.
std::string without_tls(const health_config& h, const cluster& c) {
  if (h.kind == probe_kind::tls) return {};
  if (h.kind != probe_kind::sip_options)
    return "probe " + quoted(to_text(h.kind)) + " does not use TLS";
  std::string used;
  for (service v : c.services) {
    auto tr = probe_transport_for(h, v);
    if (!tr) continue;
    if (*tr == probe_transport::tls) return {};
    if (used.find(to_text(*tr)) == std::string::npos)
      used.append(used.empty() ? "" : "/").append(to_text(*tr));
  }
  if (used.empty()) used = h.transport ? to_text(*h.transport) : "tcp";
  return "probe \"sip-options\" runs over " + used + " here, not TLS";
}

// "200" or "200-299", each 100..699 (RFC 3261 section 7.2: three digits, 1xx..6xx).
std::optional<std::pair<uint16_t, uint16_t>> parse_code_range(std::string_view text,
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

}  // namespace

// Returns nullopt when the table has an error, so that no half-read probe runs.
std::optional<health_config> reader::read_health(const toml::table& t, const cluster& c) {
  health_config h;
  h.where = pos(t);
  scope s{"health.", "[cluster.health]"};
  size_t errors_before = error_count();
  check_keys(t, health_schema);
  const toml::node* kind_at = read_probe(t, c, h, s);
  read_timing(t, h, s);
  if (const toml::node* n = string_node(t, health_schema["all_down"], s)) {
    const std::string& text = n->as_string()->get();
    if (text == "serve-all")
      h.all_down = all_down_policy::serve_all;
    else if (text == "serve-none")
      h.all_down = all_down_policy::serve_none;
    else
      error(*n, "unknown all_down policy " + quoted(text) + "; valid: serve-all, serve-none");
  }
  read_up_codes(t, h, s, !kind_at || h.kind == probe_kind::sip_options);
  read_tls(t, c, h, s, kind_at != nullptr);
  if (error_count() != errors_before || !kind_at) return std::nullopt;
  return h;
}

// health.probe and health.transport; returns the probe's node when its kind is known.
const toml::node* reader::read_probe(const toml::table& t, const cluster& c, health_config& h,
                                     const scope& s) {
  const toml::node* kind_at = string_node(t, health_schema["probe"], s);
  if (kind_at) {
    const std::string& text = kind_at->as_string()->get();
    bool found = false;
    for (probe_kind k : {probe_kind::tcp, probe_kind::tls, probe_kind::sip_options, probe_kind::stun})
      if (text == to_text(k)) h.kind = k, found = true;
    if (!found) {
      error(*kind_at, "unknown probe " + quoted(text) + "; valid probes: tcp, tls, sip-options, stun");
      kind_at = nullptr;
    }
  } else if (!t.get("probe")) {
    missing(s, t, "probe");
  }
  if (const toml::node* n = string_node(t, health_schema["transport"], s)) {
    const std::string& text = n->as_string()->get();
    std::optional<probe_transport> tr;
    for (probe_transport v : {probe_transport::udp, probe_transport::tcp, probe_transport::tls})
      if (text == to_text(v)) tr = v;
    if (!tr)
      error(*n, "unknown transport " + quoted(text) + "; valid transports: udp, tcp, tls");
    else if (kind_at && (h.kind == probe_kind::tcp || h.kind == probe_kind::tls))
      error(*n, "health.transport is not allowed with probe " + quoted(to_text(h.kind)) +
                    ": that probe kind is its own transport");
    else if (kind_at && h.kind == probe_kind::stun && *tr == probe_transport::tls)
      error(*n, "health.transport \"tls\" is not valid for probe \"stun\"; valid: udp, tcp");
    else
      h.transport = tr;
  }
  if (kind_at && h.kind == probe_kind::stun && !t.get("transport")) {
    for (service v : c.services)
      if (!probe_transport_for(h, v)) {
        error(*kind_at, "probe \"stun\" cannot run over TLS, which service " + quoted(info(v).key) +
                            " implies; set health.transport to \"udp\" or \"tcp\"");
        break;
      }
  }
  return kind_at;
}

void reader::read_timing(const toml::table& t, health_config& h, const scope& s) {
  const table_schema& ts = health_schema;
  if (auto v = integer(t, ts["port"], s)) h.port = uint16_t(*v);
  auto interval = integer(t, ts["interval_ms"], s);
  if (interval) h.interval_ms = uint32_t(*interval);
  const toml::node* timeout_at = nullptr;
  if (auto v = integer(t, ts["timeout_ms"], s, &timeout_at)) h.timeout_ms = uint32_t(*v);
  // A probe must end before the next one starts, or probes of one peer would pile up.
  bool interval_ok = interval || !t.get("interval_ms");
  if (timeout_at && interval_ok && h.timeout_ms >= h.interval_ms)
    error(*timeout_at, "health.timeout_ms " + std::to_string(h.timeout_ms) +
                           " must be below health.interval_ms " + std::to_string(h.interval_ms));
  if (auto v = integer(t, ts["fall"], s)) h.fall = uint32_t(*v);
  if (auto v = integer(t, ts["rise"], s)) h.rise = uint32_t(*v);
}

// `sip`: the probe reads SIP status codes (or its kind is unknown: no warning then).
void reader::read_up_codes(const toml::table& t, health_config& h, const scope& s, bool sip) {
  const toml::array* arr = string_array(t, health_schema["up_codes"], s);
  if (!arr) return;
  h.up_codes.clear();
  if (arr->empty()) error(*t.get("up_codes"), "health.up_codes must list at least one code");
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string& text = (*arr)[i].as_string()->get();
    std::string why;
    auto range = parse_code_range(text, why);
    if (!range)
      error((*arr)[i], "health.up_codes[" + std::to_string(i) + "] " + quoted(text) + ": " + why);
    else
      h.up_codes.push_back(*range);
  }
  if (!sip)
    report(pos(*t.get("up_codes")), severity::warning,
           "health.up_codes has no effect: only probe \"sip-options\" reads SIP status codes");
}

void reader::read_tls(const toml::table& t, const cluster& c, health_config& h, const scope& s,
                      bool kind_known) {
  const toml::node* verify_at = nullptr;
  if (auto v = boolean(t, health_schema["tls_verify"], s, &verify_at)) h.tls_verify = *v;
  const toml::node* ca_at = string_node(t, health_schema["tls_ca_file"], s);
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
      error(*ca_at, "health.tls_ca_file " + quoted(text) + ": no such file (looked for " + path + ")");
    else
      h.tls_ca_file = path;
  }
  const toml::node* name_at = string_node(t, health_schema["tls_name"], s);
  if (name_at) {
    std::string text = name_at->as_string()->get();
    for (char& ch : text) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    if (!text.empty() && text.back() == '.') text.pop_back();
    if (text.empty() || text.find_first_of(" \t") != std::string::npos)
      error(*name_at, "health.tls_name " + quoted(name_at->as_string()->get()) + " is not a host name");
    else
      h.tls_name = text;
  }
  if (!kind_known) return;
  std::string no_tls = without_tls(h, c);
  std::pair<const char*, const toml::node*> tls_keys[] = {
      {"tls_verify", verify_at}, {"tls_ca_file", ca_at}, {"tls_name", name_at}};
  for (auto [key, n] : tls_keys)
    if (n && !no_tls.empty())
      report(pos(*n), severity::warning, "health." + std::string(key) + " has no effect: " + no_tls);
  if (ca_at && no_tls.empty() && !h.tls_verify)
    report(pos(*ca_at), severity::warning,
           "health.tls_ca_file is read only when tls_verify = true; as written, peer "
           "certificates are not verified");
}

}  // namespace sipdns::zone::detail
