// The RFC 3263 section 4 chain against a fake DNS: which questions are asked in which order,
// and which targets come out, for each path (NAPTR, SRV fallback, A fallback, explicit port,
// explicit transport, numeric, sips:, --transport, H.323).
#include <doctest/doctest.h>

#include <map>

#include "resolve/resolve.hpp"

using namespace sipdns::resolve;

namespace {

// Answers from tables; a name it does not know is NXDOMAIN. Records every question.
struct fake_dns final : dns_lookup {
  std::map<std::string, rrset<naptr_rr>> naptrs;
  std::map<std::string, rrset<srv_rr>> srvs;
  std::map<std::string, rrset<addr_rr>> v4, v6;
  std::vector<std::string> asked;

  template <class T>
  static rrset<T> find(const std::map<std::string, rrset<T>>& m, const std::string& name) {
    auto it = m.find(name);
    if (it != m.end()) return it->second;
    return {status::nxdomain, {}, ""};
  }
  rrset<naptr_rr> naptr(const std::string& n) override { return asked.push_back("NAPTR " + n), find(naptrs, n); }
  rrset<srv_rr> srv(const std::string& n) override { return asked.push_back("SRV " + n), find(srvs, n); }
  rrset<addr_rr> addresses(const std::string& n, bool six) override {
    asked.push_back((six ? "AAAA " : "A ") + n);
    return find(six ? v6 : v4, n);
  }

  void naptr_add(const char* owner, uint16_t order, const char* flags, const char* service,
                 const char* replacement) {
    auto& s = naptrs[owner];
    s.result = status::ok;
    s.records.push_back({owner, 3600, order, 50, flags, service, "", replacement});
  }
  void srv_add(const char* owner, uint16_t prio, uint16_t weight, uint16_t port, const char* t) {
    auto& s = srvs[owner];
    s.result = status::ok;
    s.records.push_back({owner, 86400, prio, weight, port, t});
  }
  void a_add(const char* owner, const char* address, bool six = false) {
    auto& s = (six ? v6 : v4)[owner];
    s.result = status::ok;
    s.records.push_back({owner, 300, address, six});
  }
};

// The sipurash.com zone of the Cisco 7800 guide, with one IPv6 address added.
fake_dns sipurash() {
  fake_dns d;
  d.naptr_add("sipurash.com.", 50, "s", "SIPS+D2T", "_sips._tcp.tlstest.sipurash.com.");
  d.naptr_add("sipurash.com.", 90, "s", "SIP+D2T", "_sip._tcp.tcptest.sipurash.com.");
  d.naptr_add("sipurash.com.", 100, "s", "SIP+D2U", "_sip._udp.udptest.sipurash.com.");
  d.srv_add("_sips._tcp.tlstest.sipurash.com.", 2, 10, 5060, "srv2.sipurash.com.");
  d.srv_add("_sips._tcp.tlstest.sipurash.com.", 1, 10, 5061, "srv1.sipurash.com.");
  d.srv_add("_sip._tcp.tcptest.sipurash.com.", 1, 10, 5061, "srv3.sipurash.com.");
  d.srv_add("_sip._udp.udptest.sipurash.com.", 1, 10, 5061, "srv5.sipurash.com.");
  d.a_add("srv1.sipurash.com.", "1.1.1.1");
  d.a_add("srv1.sipurash.com.", "2001:db8::1", true);
  d.a_add("srv2.sipurash.com.", "2.2.2.2");
  d.a_add("srv3.sipurash.com.", "3.3.3.3");
  d.a_add("srv5.sipurash.com.", "2.2.2.5");
  return d;
}

resolution run(fake_dns& d, const char* text, std::optional<transport> only = std::nullopt,
               bool h323 = false) {
  parsed_target t = parse_target(text, h323);
  REQUIRE(t.value);
  seeded_random rnd(1);
  return resolve(*t.value, endpoint_options{only}, d, rnd);
}

// "tls 1.1.1.1:5061" per hop.
std::vector<std::string> hops(const resolution& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hops)
    out.push_back(std::string(transport_name(h.proto)) + " " + h.address + ":" +
                  std::to_string(h.port));
  return out;
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("NAPTR -> SRV -> A/AAAA, by NAPTR order and SRV priority") {
  fake_dns d = sipurash();
  resolution r = run(d, "sip:1001@sipurash.com");
  CHECK(hops(r) == strings{"tls 1.1.1.1:5061", "tls 2001:db8::1:5061", "tls 2.2.2.2:5060",
                           "tcp 3.3.3.3:5061", "udp 2.2.2.5:5061"});
  CHECK(d.asked.front() == "NAPTR sipurash.com.");
  CHECK(d.asked[1] == "SRV _sips._tcp.tlstest.sipurash.com.");
  // The records behind a target, with their TTLs.
  REQUIRE(r.hops[0].chain.size() == 3);
  CHECK(r.hops[0].chain[0].type == "NAPTR");
  CHECK(r.hops[0].chain[0].data ==
        "50 50 \"s\" \"SIPS+D2T\" \"\" _sips._tcp.tlstest.sipurash.com.");
  CHECK(r.hops[0].chain[1].data == "1 10 5061 srv1.sipurash.com.");
  CHECK(r.hops[0].chain[1].ttl == 86400);
  CHECK(r.hops[0].chain[2].owner == "srv1.sipurash.com.");
  CHECK(r.hops[1].chain[2].type == "AAAA");
  CHECK(r.hops[0].service == "sips");
  CHECK(r.hops[3].service == "sip");
  CHECK(!r.random_order);  // every priority holds one record: no draw decides anything
  fake_dns two = sipurash();
  two.srv_add("_sip._tcp.tcptest.sipurash.com.", 1, 10, 5060, "srv2.sipurash.com.");
  CHECK(run(two, "sipurash.com").random_order);
}

TEST_CASE("sips: keeps only SIPS NAPTR records; --transport keeps only its own") {
  fake_dns d = sipurash();
  resolution r = run(d, "sips:sipurash.com");
  CHECK(hops(r) == strings{"tls 1.1.1.1:5061", "tls 2001:db8::1:5061", "tls 2.2.2.2:5060"});
  CHECK(r.notes.size() == 2);
  fake_dns u = sipurash();
  CHECK(hops(run(u, "sipurash.com", transport::udp)) == strings{"udp 2.2.2.5:5061"});
  fake_dns n = sipurash();
  CHECK(run(n, "sips:sipurash.com", transport::udp).hops.empty());
  CHECK(n.asked.empty());
}

TEST_CASE("no NAPTR: SRV for _sips._tcp, _sip._tcp, _sip._udp in that order") {
  fake_dns d;
  d.naptrs["uctest.local."] = {status::nodata, {}, ""};
  d.srv_add("_sip._tcp.uctest.local.", 10, 10, 5060, "habibexpc1.uctest.local.");
  d.srv_add("_sips._tcp.uctest.local.", 10, 10, 5061, "habibexpc1.uctest.local.");
  d.a_add("habibexpc1.uctest.local.", "10.48.53.127");
  resolution r = run(d, "uctest.local");
  CHECK(hops(r) == strings{"tls 10.48.53.127:5061", "tcp 10.48.53.127:5060"});
  // One A and one AAAA question for the host both SRV sets name: an endpoint's cache.
  CHECK(d.asked == strings{"NAPTR uctest.local.", "SRV _sips._tcp.uctest.local.",
                           "A habibexpc1.uctest.local.", "AAAA habibexpc1.uctest.local.",
                           "SRV _sip._tcp.uctest.local.", "SRV _sip._udp.uctest.local."});
  REQUIRE(r.queries.size() == 6);
  CHECK(r.queries[0].result == status::nodata);
  CHECK(r.queries[5].result == status::nxdomain);
}

TEST_CASE("NAPTR records of no supported transport: the SRV fallback") {
  fake_dns d;
  d.naptr_add("x.test.", 10, "s", "SIP+D2S", "_sip._sctp.x.test.");
  d.naptr_add("x.test.", 20, "u", "E2U+sip", "!^.*$!sip:a@b!");
  d.srv_add("_sip._udp.x.test.", 1, 1, 5070, "h.x.test.");
  d.a_add("h.x.test.", "192.0.2.1");
  resolution r = run(d, "x.test");
  CHECK(hops(r) == strings{"udp 192.0.2.1:5070"});
  CHECK(r.notes.size() == 3);
}

TEST_CASE("no NAPTR, no SRV: A/AAAA of the domain, UDP 5060 for sip:, TLS 5061 for sips:") {
  fake_dns d;
  d.a_add("pbx.test.", "192.0.2.9");
  d.a_add("pbx.test.", "2001:db8::9", true);
  CHECK(hops(run(d, "sip:pbx.test")) == strings{"udp 192.0.2.9:5060", "udp 2001:db8::9:5060"});
  fake_dns s = d;
  CHECK(hops(run(s, "sips:pbx.test")) == strings{"tls 192.0.2.9:5061", "tls 2001:db8::9:5061"});
  fake_dns t = d;
  CHECK(hops(run(t, "pbx.test", transport::tcp)) ==
        strings{"tcp 192.0.2.9:5060", "tcp 2001:db8::9:5060"});
}

TEST_CASE("an explicit port skips NAPTR and SRV") {
  fake_dns d = sipurash();
  d.a_add("sipurash.com.", "192.0.2.7");
  resolution r = run(d, "sip:sipurash.com:5080");
  CHECK(hops(r) == strings{"udp 192.0.2.7:5080"});
  CHECK(d.asked == strings{"A sipurash.com.", "AAAA sipurash.com."});
  fake_dns s = d;
  CHECK(hops(run(s, "sips:sipurash.com:5081")) == strings{"tls 192.0.2.7:5081"});
}

TEST_CASE("an explicit transport skips NAPTR: SRV for it, then A/AAAA") {
  fake_dns d = sipurash();
  d.srv_add("_sip._tcp.sipurash.com.", 1, 1, 5065, "srv3.sipurash.com.");
  resolution r = run(d, "sip:1001@sipurash.com;transport=tcp");
  CHECK(hops(r) == strings{"tcp 3.3.3.3:5065"});
  CHECK(d.asked.front() == "SRV _sip._tcp.sipurash.com.");
  fake_dns a;
  a.a_add("pbx.test.", "192.0.2.9");
  CHECK(hops(run(a, "sips:pbx.test;transport=tcp")) == strings{"tls 192.0.2.9:5061"});
  CHECK(a.asked.front() == "SRV _sips._tcp.pbx.test.");
}

TEST_CASE("a numeric host asks nothing") {
  fake_dns d;
  CHECK(hops(run(d, "sip:192.0.2.1")) == strings{"udp 192.0.2.1:5060"});
  CHECK(hops(run(d, "sips:[2001:db8::1]")) == strings{"tls 2001:db8::1:5061"});
  CHECK(hops(run(d, "sip:192.0.2.1:5070;transport=tcp")) == strings{"tcp 192.0.2.1:5070"});
  CHECK(d.asked.empty());
}

TEST_CASE("SRV target \".\": not offered, and no A fallback") {
  fake_dns d;
  d.srv_add("_sip._udp.x.test.", 0, 0, 0, ".");
  d.a_add("x.test.", "192.0.2.1");
  resolution r = run(d, "x.test", transport::udp);
  CHECK(r.hops.empty());
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0].find("not offered") != std::string::npos);
}

TEST_CASE("an SRV target without an address is noted; a failed question is recorded") {
  fake_dns d;
  d.naptrs["x.test."] = {status::failed, {}, "SERVFAIL"};
  d.srv_add("_sip._tcp.x.test.", 1, 1, 5060, "gone.x.test.");
  d.srv_add("_sip._tcp.x.test.", 2, 1, 5060, "h.x.test.");
  d.a_add("h.x.test.", "192.0.2.1");
  resolution r = run(d, "x.test");
  CHECK(hops(r) == strings{"tcp 192.0.2.1:5060"});
  CHECK(r.queries[0].result == status::failed);
  CHECK(r.queries[0].error == "SERVFAIL");
  bool noted = false;
  for (const auto& n : r.notes) noted = noted || n.find("gone.x.test.") != std::string::npos;
  CHECK(noted);
}

TEST_CASE("failed address questions are told apart from missing addresses") {
  fake_dns d;
  d.v4["pbx.test."] = {status::failed, {}, "no answer (timeout or network error)"};
  resolution r = run(d, "sip:pbx.test:5060");
  CHECK(r.hops.empty());
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0] == "pbx.test. A/AAAA lookup failed: nothing to try there");
  fake_dns e;
  CHECK(run(e, "sip:pbx.test:5060").notes.at(0) ==
        "pbx.test. has no A or AAAA record: nothing to try there");
}

TEST_CASE("H.323: _h323cs._tcp and _h323ls._udp, then the domain on 1720") {
  fake_dns d;
  d.srv_add("_h323cs._tcp.example.com.", 1, 1, 1720, "expe1.example.com.");
  d.srv_add("_h323ls._udp.example.com.", 1, 1, 1719, "expe1.example.com.");
  d.a_add("expe1.example.com.", "192.0.2.11");
  resolution r = run(d, "example.com", std::nullopt, true);
  CHECK(hops(r) == strings{"tcp 192.0.2.11:1720", "udp 192.0.2.11:1719"});
  CHECK(r.hops[0].service == "h323cs");
  CHECK(r.hops[1].service == "h323ls");
  fake_dns a;
  a.a_add("gk.test.", "192.0.2.5");
  CHECK(hops(run(a, "gk.test", std::nullopt, true)) == strings{"tcp 192.0.2.5:1720"});
}
