// TARGET parsing: the URI forms an administrator types, and the ones that must be refused
// with a reason.
#include "resolve/target.hpp"

#include <doctest/doctest.h>

using namespace sipdns::resolve;

namespace {
target ok(const char* text, bool h323 = false) {
  parsed_target p = parse_target(text, h323);
  INFO(text, ": ", p.error);
  REQUIRE(p.value);
  return *p.value;
}
std::string bad(const char* text) {
  parsed_target p = parse_target(text, false);
  INFO(text);
  CHECK(!p.value);
  return p.error;
}
}  // namespace

TEST_CASE("a bare domain is a sip: URI with nothing given") {
  target t = ok("UCtest.local.");
  CHECK(t.kind == scheme::sip);
  CHECK(t.host == "uctest.local");
  CHECK(!t.port);
  CHECK(!t.uri_transport);
  CHECK(!t.numeric);
}

TEST_CASE("user part, transport parameter and headers") {
  target t = ok("sip:1001@uctest.local;transport=TCP;lr?subject=x");
  CHECK(t.host == "uctest.local");
  CHECK(t.uri_transport == transport::tcp);
  CHECK(ok("sip:1001@uctest.local;transport=tls").uri_transport == transport::tls);
  CHECK(ok("sip:1001@uctest.local;user=phone").uri_transport == std::nullopt);
}

TEST_CASE("sips: means TLS, also with transport=tcp (RFC 3261 section 26.2)") {
  CHECK(ok("sips:uctest.local").kind == scheme::sips);
  CHECK(ok("SIPS:1001@uctest.local;transport=tcp").uri_transport == transport::tls);
  CHECK(bad("sips:uctest.local;transport=udp").find("26.2") != std::string::npos);
}

TEST_CASE("ports and address literals") {
  target t = ok("sip:host.example:5062");
  CHECK(t.port == 5062);
  CHECK(!t.numeric);
  t = ok("sip:10.0.0.1");
  CHECK(t.numeric);
  CHECK(!t.port);
  t = ok("sip:alice@[2001:db8::1]:5070");
  CHECK(t.numeric);
  CHECK(t.host == "2001:db8::1");
  CHECK(t.port == 5070);
  CHECK(ok("sip:[2001:db8::2]").host == "2001:db8::2");
}

TEST_CASE("maddr replaces the host (RFC 3263 section 4)") {
  target t = ok("sip:1001@uctest.local;maddr=10.1.2.3");
  CHECK(t.host == "10.1.2.3");
  CHECK(t.numeric);
}

TEST_CASE("h323: targets") {
  CHECK(ok("example.com", true).kind == scheme::h323);
  CHECK(ok("h323:alice@example.com").kind == scheme::h323);
  CHECK(!parse_target("sip:example.com", true).value);
}

TEST_CASE("refused targets say why") {
  CHECK(bad("sip:host:0").find("port 0") != std::string::npos);
  CHECK(bad("sip:host:70000").find("1..65535") != std::string::npos);
  CHECK(bad("sip:host:").find("empty port") != std::string::npos);
  CHECK(bad("sip:2001:db8::1").find("brackets") != std::string::npos);
  CHECK(bad("sip:[2001:db8::1").find("]") != std::string::npos);
  CHECK(bad("sip:a b").find("not a host name") != std::string::npos);
  CHECK(bad("sip:a..b").find("not a host name") != std::string::npos);
  CHECK(bad("sip:").find("not a host name") != std::string::npos);
  CHECK(bad("sip:x;transport=sctp").find("sctp") != std::string::npos);
}

TEST_CASE("transport names and default ports") {
  CHECK(parse_transport("UDP") == transport::udp);
  CHECK(!parse_transport("sctp"));
  CHECK(transport_name(transport::tls) == "tls");
  CHECK(default_port(transport::udp) == 5060);
  CHECK(default_port(transport::tcp) == 5060);
  CHECK(default_port(transport::tls) == 5061);
}
