// Parsing of the TARGET argument of `sipdns resolve` (RFC 3261 section 19.1 URIs, loosely:
// only the parts RFC 3263 uses).
#include "resolve/target.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace sipdns::resolve {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// A host name as DNS can look it up: letters, digits, '-', '_', '.'; no empty label.
bool valid_host(const std::string& host) {
  if (host.empty() || host.size() > 253 || host.front() == '.') return false;
  if (host.find("..") != std::string::npos) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// "host", "host:port", "[v6]", "[v6]:port" into t.host / t.port.
std::string split_hostport(std::string_view hp, target& t) {
  std::string_view host = hp, port;
  if (hp.starts_with('[')) {
    size_t close = hp.find(']');
    if (close == std::string_view::npos) return "missing ']' after an IPv6 address";
    host = hp.substr(1, close - 1);
    std::string_view rest = hp.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return "unexpected text after ']'";
    if (!rest.empty()) port = rest.substr(1);
    if (rest == ":") return "empty port";
  } else if (size_t colon = hp.rfind(':'); colon != std::string_view::npos) {
    if (hp.find(':') != colon) return "an IPv6 address needs brackets: sip:[2001:db8::1]:5060";
    host = hp.substr(0, colon);
    port = hp.substr(colon + 1);
    if (port.empty()) return "empty port";
  }
  if (!port.empty()) {
    unsigned long v = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || (v = v * 10 + unsigned(c - '0')) > 65535)
        return "port \"" + std::string(port) + "\" is not a number in 1..65535";
    }
    if (v == 0) return "port 0 is not a port";
    t.port = uint16_t(v);
  }
  t.host = lower(host);
  while (t.host.size() > 1 && t.host.back() == '.') t.host.pop_back();
  return "";
}

// One ";name=value" URI parameter; transport and maddr matter here, the rest is ignored.
std::string apply_param(std::string_view param, target& t) {
  size_t eq = param.find('=');
  std::string name = lower(param.substr(0, eq));
  std::string value = eq == std::string_view::npos ? "" : lower(param.substr(eq + 1));
  if (name == "maddr") {
    target m;
    if (auto err = split_hostport(value, m); !err.empty() || m.port) return "bad maddr=" + value;
    t.host = m.host;
  } else if (name == "transport") {
    auto tr = parse_transport(value);
    if (!tr) return "transport=" + value + " is not one of udp, tcp, tls (sctp is not supported)";
    t.uri_transport = tr;
  }
  return "";
}

}  // namespace

std::string_view transport_name(transport t) {
  switch (t) {
    case transport::udp: return "udp";
    case transport::tcp: return "tcp";
    case transport::tls: return "tls";
  }
  return "?";
}

std::optional<transport> parse_transport(std::string_view text) {
  std::string s = lower(text);
  if (s == "udp") return transport::udp;
  if (s == "tcp") return transport::tcp;
  if (s == "tls") return transport::tls;
  return std::nullopt;
}

uint16_t default_port(transport t) { return t == transport::tls ? 5061 : 5060; }

parsed_target parse_target(std::string_view text, bool h323) {
  target t;
  t.kind = h323 ? scheme::h323 : scheme::sip;
  std::string_view rest = text;
  if (starts_with_nocase(rest, "sips:")) t.kind = scheme::sips, rest.remove_prefix(5);
  else if (starts_with_nocase(rest, "sip:")) t.kind = scheme::sip, rest.remove_prefix(4);
  else if (starts_with_nocase(rest, "h323:")) t.kind = scheme::h323, rest.remove_prefix(5);
  if (h323 && t.kind != scheme::h323) return {std::nullopt, "--h323 takes a domain or h323: URI"};
  rest = rest.substr(0, rest.find('?'));  // headers play no part in resolution
  std::string_view main = rest.substr(0, rest.find(';'));
  if (size_t at = main.rfind('@'); at != std::string_view::npos) main.remove_prefix(at + 1);
  if (auto err = split_hostport(main, t); !err.empty()) return {std::nullopt, err};
  for (size_t semi = rest.find(';'); semi != std::string_view::npos;) {
    size_t next = rest.find(';', semi + 1);
    auto err = apply_param(rest.substr(semi + 1, next == std::string_view::npos ? next
                                                                                : next - semi - 1),
                           t);
    if (!err.empty()) return {std::nullopt, err};
    semi = next;
  }
  // RFC 3261 section 26.2: SIPS needs TLS; transport=tcp in a sips: URI means TLS over TCP.
  if (t.kind == scheme::sips && t.uri_transport == transport::udp)
    return {std::nullopt, "a sips: URI cannot use transport=udp (RFC 3261 section 26.2)"};
  if (t.kind == scheme::sips && t.uri_transport) t.uri_transport = transport::tls;
  t.numeric = is_ip_literal(t.host);
  if (!t.numeric && !valid_host(t.host))
    return {std::nullopt, "\"" + t.host + "\" is not a host name or IP address"};
  return {t, ""};
}

}  // namespace sipdns::resolve
