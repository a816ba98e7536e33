// SIP responses as a health check reads them: framing on streams, the few fields a probe
// needs, and the verdict.
#include "health/probe/sip_response.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

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

// The branch parameter of the first via-parm of a Via header value (RFC 3261 section 20.42).
std::string_view via_branch(std::string_view via) {
  via = via.substr(0, via.find(','));
  size_t pos = via.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = via.substr(pos + 1);
    size_t end = rest.find(';');
    std::string_view param = trim(rest.substr(0, end));
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "branch")) {
      return trim(param.substr(eq + 1));
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

// RFC 3261 section 7.3.1: a header may continue on lines that start with whitespace; that is
// the same as one space. Rare: only a head with such lines is copied (into `out`) to join them.
bool has_folded_lines(std::string_view head) {
  for (size_t nl = head.find('\n'); nl != std::string_view::npos; nl = head.find('\n', nl + 1))
    if (nl + 1 < head.size() && (head[nl + 1] == ' ' || head[nl + 1] == '\t')) return true;
  return false;
}
void unfold(std::string_view head, std::string& out) {
  out.clear();
  for (size_t pos = 0; pos <= head.size();) {
    size_t eol = head.find('\n', pos);
    std::string_view line = head.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // The status line cannot be folded (section 7.2: it ends at its CRLF).
    const bool continuation = pos > 0 && !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (continuation && out.find('\n') != std::string::npos) {
      out.append(1, ' ').append(trim(line));
    } else {
      if (pos > 0) out.append(1, '\n');
      out.append(line);
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
}

// The header fields a probe reads, from one "Name: value" line; false if it has no colon.
bool read_header(std::string_view line, bool& have_via, sip_response_view& r) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view name = trim(line.substr(0, colon));
  std::string_view value = trim(line.substr(colon + 1));
  if (is_header(name, "Via", "v")) {
    if (!have_via) r.branch = via_branch(value);  // only the top Via is ours
    have_via = true;
  } else if (is_header(name, "Call-ID", "i")) {
    r.call_id = value;
  } else if (is_header(name, "Retry-After", "")) {
    // "Retry-After: 18000;duration=3600" or "120 (I'm in a meeting)": the leading number.
    if (auto v = leading_number(value))
      r.retry_after = static_cast<uint32_t>(std::min<uint64_t>(*v, UINT32_MAX));
  }
  return true;
}

// Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 section 7.2).
bool read_status(std::string_view status, sip_response_view& r) {
  if (status.size() < 11 || !iequals(status.substr(0, 8), "SIP/2.0 ")) return false;
  std::string_view code = status.substr(8, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  r.code = static_cast<uint16_t>((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
  if (r.code < 100 || r.code > 699) return false;
  if (status.size() > 11 && status[11] != ' ') return false;
  if (status.size() > 12) r.phrase = trim(status.substr(12));
  return true;
}

}  // namespace

std::optional<sip_response_view> parse_sip_response(std::string_view message,
                                                    std::string& scratch) {
  std::string_view head = message.substr(0, message.find("\r\n\r\n"));
  if (has_folded_lines(head)) {
    unfold(head, scratch);
    head = scratch;
  }
  sip_response_view r;
  bool have_via = false;
  for (size_t pos = 0, n = 0; pos <= head.size(); ++n) {
    size_t eol = head.find('\n', pos);
    std::string_view line = head.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (n == 0 ? !read_status(line, r) : !read_header(line, have_via, r)) return std::nullopt;
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return r;
}

std::optional<sip_response> parse_sip_response(std::string_view message) {
  std::string scratch;
  auto v = parse_sip_response(message, scratch);
  if (!v) return std::nullopt;
  return sip_response{v->code, printable(v->phrase, sip_max_phrase), std::string(v->branch),
                      std::string(v->call_id), v->retry_after};
}

bool is_sip_request(std::string_view message) {
  std::string_view start = trim(message.substr(0, message.find("\r\n")));
  return start.size() >= 8 && start.substr(start.size() - 8) == " SIP/2.0";
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

probe_result sip_verdict(uint16_t code, std::string_view phrase, std::optional<uint32_t> retry_after,
                         const std::vector<std::pair<uint16_t, uint16_t>>& up_codes) {
  char text[12];  // "SIP 200": within the small-string buffer, no allocation
  std::snprintf(text, sizeof text, "SIP %u", unsigned(code));
  if (code == 503) return {outcome::draining, text, 0, retry_after};
  for (const auto& [lo, hi] : up_codes) {
    if (code >= lo && code <= hi) return {outcome::up, text, 0, std::nullopt};
  }
  std::string reason = text;
  if (!phrase.empty()) reason.append(1, ' ').append(printable(phrase, sip_max_phrase));
  return {outcome::down, std::move(reason), 0, std::nullopt};
}

probe_result sip_verdict(const sip_response& r,
                         const std::vector<std::pair<uint16_t, uint16_t>>& up_codes) {
  return sip_verdict(r.code, r.phrase, r.retry_after, up_codes);
}

}  // namespace sipdns::health::detail
