// Wildcards (RFC 4592), CNAME chains for every type (RFC 1034 4.3.2, RFC 2308 2.1/2.2) and the
// NOTIMP header (RFC 8906 8.1.4), as a client sees them: every response parsed back with ldns.
#include <doctest/doctest.h>

#include <array>
#include <sstream>

#include "answer/answer.hpp"
#include "compile/build.hpp"
#include "support/ldns_support.hpp"

using namespace sipdns;
using test::section;

namespace doctest {
// Failed checks print the sections as lines.
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::ostringstream os;
    for (const auto& s : v) os << "\n  " << s;
    return os.str().c_str();
  }
};
}  // namespace doctest

namespace {

const char* const soa_text =
    "example.test.\t60\tIN\tSOA\tns1.example.test. hostmaster.example.test. 1 3600 600 604800 60";

struct fixture {
  compile::snapshot_ptr snap = compile::build({test::make_zone("example.test.", {
      "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 604800 60",
      "@ NS ns1", "ns1 A 127.0.0.1",
      "*.wild A 192.0.2.1", "*.wild TXT \"hello\"", "*.wild MX 10 mail", "mail A 192.0.2.25",
      "host.wild A 192.0.2.2",
      "*.cn CNAME www", "www A 192.0.2.80",
      "*.srv SRV 10 10 5060 sip1", "sip1 A 192.0.2.5",
      "*.deep.ent A 192.0.2.9",
      "alias CNAME www", "alias2 CNAME alias", "towild CNAME foo.wild", "toinfo CNAME info",
      "info HINFO \"pc\" \"linux\"", "dangling CNAME nothere", "out CNAME www.example.org.",
      "sub NS ns.sub", "ns.sub A 192.0.2.53", "*.sub A 192.0.2.99"})});
  std::array<uint8_t, 65535> out{};
  answer::loop_state state;

  test::pkt_ptr ask(const std::vector<uint8_t>& q) {
    size_t n = answer::respond(*snap, q, out, answer::transport::udp, state);
    REQUIRE(n > 0);
    auto p = test::parse_packet(out.data(), n);
    REQUIRE(p);  // ldns accepts every response, compression pointers included
    return p;
  }
  test::pkt_ptr ask(const std::string& name, ldns_rr_type type) {
    return ask(test::make_query(name, type));
  }
};

std::vector<std::string> answers(const test::pkt_ptr& p) { return section(ldns_pkt_answer(p.get())); }
std::vector<std::string> authority(const test::pkt_ptr& p) {
  return section(ldns_pkt_authority(p.get()));
}
ldns_pkt_rcode rcode(const test::pkt_ptr& p) { return ldns_pkt_get_rcode(p.get()); }

}  // namespace

TEST_CASE("a wildcard answers a missing name below its parent, owned by the query name") {
  fixture f;
  auto p = f.ask("Foo.WILD.example.test.", LDNS_RR_TYPE_A);
  CHECK(rcode(p) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_aa(p.get()));
  // RFC 4592 3.3.1 and RFC 4343: the owner is the QNAME, in the client's letter case.
  CHECK(answers(p) == std::vector<std::string>{"Foo.WILD.example.test.\t3600\tIN\tA\t192.0.2.1"});
  // Any depth below the closest encloser.
  CHECK(answers(f.ask("a.b.c.wild.example.test.", LDNS_RR_TYPE_TXT)) ==
        std::vector<std::string>{"a.b.c.wild.example.test.\t3600\tIN\tTXT\t\"hello\""});
}

TEST_CASE("a wildcard without the asked type is NODATA with the SOA") {
  fixture f;
  auto p = f.ask("x.wild.example.test.", LDNS_RR_TYPE_AAAA);
  CHECK(rcode(p) == LDNS_RCODE_NOERROR);
  CHECK(answers(p).empty());
  CHECK(authority(p) == std::vector<std::string>{soa_text});
}

TEST_CASE("existing names block a wildcard: their own data, NODATA, or NXDOMAIN below them") {
  fixture f;
  CHECK(answers(f.ask("host.wild.example.test.", LDNS_RR_TYPE_A)) ==
        std::vector<std::string>{"host.wild.example.test.\t3600\tIN\tA\t192.0.2.2"});
  auto nodata = f.ask("host.wild.example.test.", LDNS_RR_TYPE_TXT);
  CHECK(rcode(nodata) == LDNS_RCODE_NOERROR);
  CHECK(answers(nodata).empty());
  // The closest encloser of a.host.wild is host.wild, which has no wildcard (RFC 4592 2.2.1).
  auto below = f.ask("a.host.wild.example.test.", LDNS_RR_TYPE_A);
  CHECK(rcode(below) == LDNS_RCODE_NXDOMAIN);
  CHECK(authority(below) == std::vector<std::string>{soa_text});
  // The wildcard's parent is an empty non-terminal: it exists, with no data.
  for (auto name : {"wild.example.test.", "ent.example.test.", "deep.ent.example.test."}) {
    auto ent = f.ask(name, LDNS_RR_TYPE_A);
    CHECK(rcode(ent) == LDNS_RCODE_NOERROR);
    CHECK(answers(ent).empty());
  }
  // A name beside the wildcard's parent is not covered.
  CHECK(rcode(f.ask("x.ent.example.test.", LDNS_RR_TYPE_A)) == LDNS_RCODE_NXDOMAIN);
}

TEST_CASE("the wildcard's own name is answered like any name") {
  fixture f;
  CHECK(answers(f.ask("*.wild.example.test.", LDNS_RR_TYPE_A)) ==
        std::vector<std::string>{"*.wild.example.test.\t3600\tIN\tA\t192.0.2.1"});
}

TEST_CASE("synthesized answers get additional processing; wildcard CNAMEs are followed") {
  fixture f;
  auto mx = f.ask("x.wild.example.test.", LDNS_RR_TYPE_MX);
  CHECK(section(ldns_pkt_additional(mx.get())) ==
        std::vector<std::string>{"mail.example.test.\t3600\tIN\tA\t192.0.2.25"});
  auto srv = f.ask("_sip._tcp.srv.example.test.", LDNS_RR_TYPE_SRV);
  CHECK(answers(srv) == std::vector<std::string>{
                            "_sip._tcp.srv.example.test.\t3600\tIN\tSRV\t10 10 5060 sip1.example.test."});
  CHECK(section(ldns_pkt_additional(srv.get())) ==
        std::vector<std::string>{"sip1.example.test.\t3600\tIN\tA\t192.0.2.5"});
  CHECK(answers(f.ask("Z.cn.example.test.", LDNS_RR_TYPE_A)) ==
        std::vector<std::string>{"Z.cn.example.test.\t3600\tIN\tCNAME\twww.example.test.",
                                 "www.example.test.\t3600\tIN\tA\t192.0.2.80"});
  // A chain into a name that only a wildcard covers is synthesized there too.
  CHECK(answers(f.ask("towild.example.test.", LDNS_RR_TYPE_TXT)) ==
        std::vector<std::string>{"towild.example.test.\t3600\tIN\tCNAME\tfoo.wild.example.test.",
                                 "foo.wild.example.test.\t3600\tIN\tTXT\t\"hello\""});
}

TEST_CASE("a wildcard below a zone cut is not used: the parent refers") {
  fixture f;
  auto p = f.ask("a.sub.example.test.", LDNS_RR_TYPE_A);
  CHECK_FALSE(ldns_pkt_aa(p.get()));
  CHECK(answers(p).empty());
  CHECK(authority(p) == std::vector<std::string>{"sub.example.test.\t3600\tIN\tNS\tns.sub.example.test."});
}

TEST_CASE("CNAME chains are followed for every type, ending with the SOA when nothing is there") {
  fixture f;
  // The chain's end has the type: the whole chain, then the data.
  CHECK(answers(f.ask("toinfo.example.test.", LDNS_RR_TYPE_HINFO)).size() == 2);
  for (uint16_t t : {uint16_t(LDNS_RR_TYPE_HINFO), uint16_t(257) /* CAA */,
                     uint16_t(LDNS_RR_TYPE_SPF), uint16_t(LDNS_RR_TYPE_DS),
                     uint16_t(LDNS_RR_TYPE_DNAME), uint16_t(666), uint16_t(1000),
                     uint16_t(LDNS_RR_TYPE_A)}) {
    CAPTURE(t);
    auto two = f.ask("alias2.example.test.", ldns_rr_type(t));
    CHECK(rcode(two) == LDNS_RCODE_NOERROR);
    if (t == LDNS_RR_TYPE_A) {
      CHECK(answers(two).size() == 3);
      CHECK(authority(two).empty());
      continue;
    }
    // RFC 2308 2.2: the chain, then NODATA with the SOA.
    CHECK(answers(two) ==
          std::vector<std::string>{"alias2.example.test.\t3600\tIN\tCNAME\talias.example.test.",
                                   "alias.example.test.\t3600\tIN\tCNAME\twww.example.test."});
    CHECK(authority(two) == std::vector<std::string>{soa_text});
    // One hop is no different.
    auto one = f.ask("alias.example.test.", ldns_rr_type(t));
    CHECK(answers(one).size() == 1);
    CHECK(authority(one) == std::vector<std::string>{soa_text});
    // RFC 2308 2.1, RFC 6604: a dangling chain is NXDOMAIN with the SOA.
    auto dangling = f.ask("dangling.example.test.", ldns_rr_type(t));
    CHECK(rcode(dangling) == LDNS_RCODE_NXDOMAIN);
    CHECK(authority(dangling) == std::vector<std::string>{soa_text});
    // Out of our zones: the chain only; the resolver follows it.
    auto out = f.ask("out.example.test.", ldns_rr_type(t));
    CHECK(answers(out).size() == 1);
    CHECK(authority(out).empty());
  }
  // CNAME itself is never followed.
  CHECK(answers(f.ask("alias2.example.test.", LDNS_RR_TYPE_CNAME)).size() == 1);
}

TEST_CASE("an unknown opcode gets NOTIMP with every flag clear but QR and the opcode") {
  fixture f;
  auto q = test::make_query("example.test.", LDNS_RR_TYPE_SOA);
  // opcode 15 with AA, TC, RD, RA, Z, AD and CD set (RFC 8906 8.1.4).
  q[2] = uint8_t(15 << 3 | 0x04 | 0x02 | 0x01);
  q[3] = uint8_t(0x80 | 0x40 | 0x20 | 0x10);
  std::array<uint8_t, 512> out{};
  size_t n = answer::respond(*f.snap, q, out, answer::transport::udp, f.state);
  REQUIRE(n >= 12);
  CHECK(out[2] == uint8_t(0x80 | 15 << 3));
  CHECK(out[3] == 4);  // NOTIMP, RA, Z, AD and CD clear
}
