// Parsing SIP requests and building responses for the test responder.
#include "sip_message.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sip_responder {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 3261 section 7.3.3: long and compact header names.
bool is(std::string_view name, std::string_view full, std::string_view compact) {
  return iequals(name, full) || (!compact.empty() && iequals(name, compact));
}

// The top Via with "received" and a filled-in "rport" (RFC 3581 section 4).
std::string stamp_via(std::string_view via, const answer_options& o) {
  std::string_view first = via.substr(0, via.find(','));
  std::string_view rest = first.size() < via.size() ? via.substr(first.size()) : "";
  std::string out;
  size_t pos = 0;
  while (pos <= first.size()) {
    size_t semi = first.find(';', pos);
    std::string_view part = first.substr(pos, semi == std::string_view::npos ? semi : semi - pos);
    if (pos > 0) out += ';';
    if (pos > 0 && iequals(trim(part), "rport")) {
      out += "rport=" + std::to_string(o.received_port);
    } else {
      out += part;
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  out += ";received=" + o.received_ip;
  out += rest;
  return out;
}

}  // namespace

const char* reason_phrase(uint16_t code) {
  switch (code) {
    case 100:
      return "Trying";
    case 180:
      return "Ringing";
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 302:
      return "Moved Temporarily";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 480:
      return "Temporarily Unavailable";
    case 483:
      return "Too Many Hops";
    case 486:
      return "Busy Here";
    case 500:
      return "Server Internal Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Server Time-out";
    case 600:
      return "Busy Everywhere";
    case 603:
      return "Decline";
    default:
      return "Status";
  }
}

std::optional<request> parse_request(std::string_view message) {
  std::string_view head = message.substr(0, message.find("\r\n\r\n"));
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos <= head.size()) {
    size_t eol = head.find('\n', pos);
    std::string_view line = head.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!lines.empty() && !line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      lines.back() += ' ';
      lines.back() += trim(line);  // RFC 3261 section 7.3.1: header folding
    } else {
      lines.emplace_back(line);
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  if (lines.empty()) return std::nullopt;
  // Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 section 7.1).
  std::string_view start = lines.front();
  size_t sp1 = start.find(' ');
  size_t sp2 = start.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == sp2 || start.substr(sp2 + 1) != "SIP/2.0") {
    return std::nullopt;
  }
  request r;
  r.method = std::string(start.substr(0, sp1));
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view name = trim(line.substr(0, colon));
    std::string value(trim(line.substr(colon + 1)));
    if (is(name, "Via", "v"))
      r.vias.push_back(value);
    else if (is(name, "From", "f"))
      r.from = value;
    else if (is(name, "To", "t"))
      r.to = value;
    else if (is(name, "Call-ID", "i"))
      r.call_id = value;
    else if (is(name, "CSeq", ""))
      r.cseq = value;
  }
  if (r.vias.empty() || r.from.empty() || r.to.empty() || r.call_id.empty() || r.cseq.empty()) {
    return std::nullopt;
  }
  return r;
}

std::optional<size_t> frame(std::string_view b, size_t& skip) {
  skip = 0;
  while (skip < b.size() && (b[skip] == '\r' || b[skip] == '\n')) ++skip;
  std::string_view m = b.substr(skip);
  size_t end = m.find("\r\n\r\n");
  if (end == std::string_view::npos)
    return m.size() > 65536 ? std::nullopt : std::optional<size_t>(0);
  size_t body = 0;
  size_t pos = m.find("\r\n");
  while (pos < end) {
    size_t eol = m.find("\r\n", pos + 2);
    std::string_view line = m.substr(pos + 2, eol - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && is(trim(line.substr(0, colon)), "Content-Length", "l")) {
      std::string_view v = trim(line.substr(colon + 1));
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), body);
      if (ec != std::errc() || body > 65536) return std::nullopt;
    }
    pos = eol;
  }
  size_t total = end + 4 + body;
  return m.size() >= total ? total : 0;
}

std::string build_response(const request& r, const answer_options& o) {
  std::string s = "SIP/2.0 " + std::to_string(o.code) + " " + reason_phrase(o.code) + "\r\n";
  for (size_t i = 0; i < r.vias.size(); ++i) {
    s +=
        "Via: " + (i == 0 && !o.received_ip.empty() ? stamp_via(r.vias[i], o) : r.vias[i]) + "\r\n";
  }
  s += "From: " + r.from + "\r\n";
  // RFC 3261 section 8.2.6.2: a response other than 100 carries a To tag.
  bool has_tag = r.to.find(";tag=") != std::string::npos;
  s += "To: " + r.to + (o.code != 100 && !has_tag ? ";tag=" + o.to_tag : "") + "\r\n";
  s += "Call-ID: " + r.call_id + "\r\n";
  s += "CSeq: " + r.cseq + "\r\n";
  if (o.code == 503 && o.retry_after)
    s += "Retry-After: " + std::to_string(*o.retry_after) + "\r\n";
  if (o.code >= 200 && o.code < 300) {
    s += "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\nAccept: application/sdp\r\n";
  }
  s += "Server: sipdns-test-responder\r\nContent-Length: 0\r\n\r\n";
  return s;
}

}  // namespace sip_responder
