// SIP OPTIONS health check: request text, response framing and parsing, verdict.
#include "health/probe/sip_options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "health/probe/sockaddr_text.hpp"

#ifndef SIPDNS_VERSION
#define SIPDNS_VERSION "0"
#endif

namespace sipdns::health::detail {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 3261 section 7.3.3: compact header names.
bool is_header(std::string_view name, std::string_view full, std::string_view compact) {
  return iequals(name, full) || (!compact.empty() && iequals(name, compact));
}

std::optional<uint64_t> leading_number(std::string_view s) {
  s = trim(s);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  return v;
}

std::string hex(uint64_t v, int digits) {
  static const char* d = "0123456789abcdef";
  std::string s(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = d[v & 15];
  return s;
}

const char* transport_token(probe_transport t, bool upper) {
  switch (t) {
    case probe_transport::udp:
      return upper ? "UDP" : "udp";
    case probe_transport::tcp:
      return upper ? "TCP" : "tcp";
    case probe_transport::tls:
      return upper ? "TLS" : "tls";
  }
  return "udp";
}

// The branch parameter of the first via-parm of a Via header value (RFC 3261 section 20.42).
std::string via_branch(std::string_view via) {
  via = via.substr(0, via.find(','));
  size_t pos = via.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = via.substr(pos + 1);
    size_t end = rest.find(';');
    std::string_view param = trim(rest.substr(0, end));
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "branch")) {
      return std::string(trim(param.substr(eq + 1)));
    }
    pos = end == std::string_view::npos ? end : pos + 1 + end;
  }
  return {};
}

// Printable ASCII only, so a hostile peer cannot put control bytes into logs or status pages.
std::string printable(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

std::optional<sip_response> parse_sip_response(std::string_view message) {
  size_t head_end = message.find("\r\n\r\n");
  std::string_view head = message.substr(0, head_end);
  // Lines, with folded continuation lines (RFC 3261 section 7.3.1) joined to their header;
  // the status line cannot be folded (section 7.2: it ends at its CRLF).
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos <= head.size()) {
    size_t eol = head.find('\n', pos);
    std::string_view line = head.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (lines.size() > 1 && !line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      lines.back() += ' ';
      lines.back() += trim(line);
    } else {
      lines.emplace_back(line);
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  if (lines.empty()) return std::nullopt;

  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 section 7.2).
  std::string_view status = lines.front();
  if (status.size() < 11 || !iequals(status.substr(0, 8), "SIP/2.0 ")) return std::nullopt;
  sip_response r;
  std::string_view code = status.substr(8, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  r.code = static_cast<uint16_t>((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
  if (r.code < 100 || r.code > 699) return std::nullopt;
  if (status.size() > 11 && status[11] != ' ') return std::nullopt;
  if (status.size() > 12) r.phrase = printable(trim(status.substr(12)), 64);

  bool have_via = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (is_header(name, "Via", "v")) {
      if (!have_via) r.branch = via_branch(value);  // only the top Via is ours
      have_via = true;
    } else if (is_header(name, "Call-ID", "i")) {
      r.call_id = std::string(value);
    } else if (is_header(name, "Retry-After", "")) {
      // "Retry-After: 18000;duration=3600" or "120 (I'm in a meeting)": the leading number.
      if (auto v = leading_number(value)) {
        r.retry_after = static_cast<uint32_t>(std::min<uint64_t>(*v, UINT32_MAX));
      }
    }
  }
  return r;
}

sip_frame frame_sip_message(std::string_view buffer) {
  sip_frame f;
  while (f.skip < buffer.size() && (buffer[f.skip] == '\r' || buffer[f.skip] == '\n')) ++f.skip;
  std::string_view msg = buffer.substr(f.skip);
  size_t head_end = msg.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    // Malformed only once no empty line can end the headers within the limit any more: up to
    // 3 more bytes may still complete a CRLFCRLF that starts at or before the limit.
    f.status =
        msg.size() >= sip_max_header_bytes + 4 ? frame_status::malformed : frame_status::incomplete;
    return f;
  }
  if (head_end > sip_max_header_bytes) {
    f.status = frame_status::malformed;
    return f;
  }
  // Content-Length is mandatory over streams (RFC 3261 section 18.3); absent means no body.
  uint64_t body = 0;
  std::string_view head = msg.substr(0, head_end + 2);
  size_t pos = head.find("\r\n");  // skip the start line
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    size_t eol = head.find("\r\n", pos + 2);
    std::string_view line = head.substr(pos + 2, eol - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos &&
        is_header(trim(line.substr(0, colon)), "Content-Length", "l")) {
      auto v = leading_number(line.substr(colon + 1));
      if (!v || *v > sip_max_body_bytes) {
        f.status = frame_status::malformed;
        return f;
      }
      body = *v;
    }
    pos = eol;
  }
  size_t total = head_end + 4 + static_cast<size_t>(body);
  if (msg.size() < total) return f;
  f.status = frame_status::complete;
  f.length = total;
  return f;
}

sip_ids make_sip_ids(std::mt19937_64& rng) {
  sip_ids ids;
  ids.branch = "z9hG4bK" + hex(rng(), 16) + hex(rng(), 8);
  ids.from_tag = hex(rng(), 12);
  ids.call_id_local = hex(rng(), 16) + hex(rng(), 16);
  return ids;
}

std::string build_options_request(const probe_target& target, probe_transport transport,
                                  const sockaddr_storage& local, const sip_ids& ids) {
  const std::string host = !target.host.empty() ? target.host : uri_host(target.address);
  const std::string port = std::to_string(port_of(target.address));
  const std::string me = uri_host(local);
  const std::string me_port = me + ":" + std::to_string(port_of(local));
  const char* t = transport_token(transport, false);
  std::string r;
  r.reserve(512);
  // RFC 3261 section 11.1 and 8.1.1: the mandatory headers of a request outside a dialog.
  r += "OPTIONS sip:" + host + ":" + port + ";transport=" + t + " SIP/2.0\r\n";
  r += "Via: SIP/2.0/" + std::string(transport_token(transport, true)) + " " + me_port +
       ";branch=" + ids.branch;
  // RFC 3581: ask for the response to come back to the port we sent from.
  if (transport == probe_transport::udp) r += ";rport";
  r += "\r\n";
  r += "Max-Forwards: 70\r\n";
  r += "From: <sip:sipdns-probe@" + me + ">;tag=" + ids.from_tag + "\r\n";
  r += "To: <sip:" + host + ">\r\n";
  r += "Call-ID: " + ids.call_id_local + "@" + me + "\r\n";
  r += "CSeq: 1 OPTIONS\r\n";
  r += "Contact: <sip:sipdns-probe@" + me_port + ";transport=" + t + ">\r\n";
  r += "Accept: application/sdp\r\n";
  r += "User-Agent: sipdns/" SIPDNS_VERSION "\r\n";
  r += "Content-Length: 0\r\n\r\n";
  return r;
}

probe_result sip_verdict(const sip_response& r,
                         const std::vector<std::pair<uint16_t, uint16_t>>& up_codes) {
  const std::string code = "SIP " + std::to_string(r.code);
  if (r.code == 503) return {outcome::draining, code, 0, r.retry_after};
  for (const auto& [lo, hi] : up_codes) {
    if (r.code >= lo && r.code <= hi) return {outcome::up, code, 0, std::nullopt};
  }
  return {outcome::down, r.phrase.empty() ? code : code + " " + r.phrase, 0, std::nullopt};
}

sip_exchange::sip_exchange(const probe_target& target, probe_transport transport,
                           std::mt19937_64& rng)
    : target_(target), transport_(transport), ids_(make_sip_ids(rng)) {}

std::string sip_exchange::request(const sockaddr_storage& local) {
  call_id_ = ids_.call_id_local + "@" + uri_host(local);
  return build_options_request(target_, transport_, local, ids_);
}

verdict sip_exchange::consider(const sip_response& r) const {
  // RFC 3261 section 17.1.3: a response belongs to our transaction by the top Via's branch;
  // the Call-ID check also rejects a peer that echoes a stale branch.
  if (r.branch != ids_.branch || r.call_id != call_id_) return std::nullopt;
  if (r.code < 200) return std::nullopt;  // provisional: keep waiting for the final response
  return sip_verdict(r, target_.up_codes);
}

verdict sip_exchange::on_stream(std::string& buffer) {
  for (;;) {
    sip_frame f = frame_sip_message(buffer);
    if (f.status == frame_status::malformed) {
      return probe_result{outcome::down, "SIP: malformed response", 0, std::nullopt};
    }
    buffer.erase(0, f.skip);
    if (f.status == frame_status::incomplete) return std::nullopt;
    std::string_view msg = std::string_view(buffer).substr(0, f.length);
    auto r = parse_sip_response(msg);
    if (!r) {
      // A request from the peer (its own OPTIONS keep-alive, say) is not our answer; anything
      // else means the peer does not speak SIP.
      std::string_view start = trim(msg.substr(0, msg.find("\r\n")));
      if (start.size() < 8 || start.substr(start.size() - 8) != " SIP/2.0") {
        return probe_result{outcome::down, "SIP: malformed response", 0, std::nullopt};
      }
      buffer.erase(0, f.length);
      continue;
    }
    buffer.erase(0, f.length);
    if (auto v = consider(*r)) return v;
  }
}

verdict sip_exchange::on_datagram(std::string_view datagram) {
  auto r = parse_sip_response(datagram);
  return r ? consider(*r) : std::nullopt;
}

}  // namespace sipdns::health::detail
