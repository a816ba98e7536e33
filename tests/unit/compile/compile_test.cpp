// The compiler: zone model -> snapshot. Checks the snapshot's structure (nodes, per-type bodies,
// fixups, wildcard links); what a client sees of it is tested in tests/unit/answer/.
#include <doctest/doctest.h>

#include <algorithm>

#include "compile/build.hpp"
#include "support/ldns_support.hpp"
#include "wire/constants.hpp"

using namespace sipdns;
namespace rt = wire::rr_type;

namespace {

compile::snapshot_ptr build(std::vector<std::string> lines) {
  lines.insert(lines.begin(),
               {"example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 "
                "604800 60",
                "@ NS ns1", "ns1 A 127.0.0.1"});
  return compile::build({test::make_zone("example.test.", lines)});
}

const compile::node* find(const compile::snapshot& s, const std::string& text) {
  std::string w = test::wire_name(text);
  return s.find(reinterpret_cast<const uint8_t*>(w.data()), w.size());
}

// The body a node gives for `type` (its nodata body when the type has none of its own).
const compile::body& body_for(const compile::snapshot& s, const compile::node& n, uint16_t type) {
  for (uint32_t i = n.types; i < n.types + n.type_count; ++i)
    if (s.types[i].first == type) return s.bodies[s.types[i].second];
  return s.bodies[n.nodata];
}

bool has_type(const compile::snapshot& s, const compile::node& n, uint16_t type) {
  for (uint32_t i = n.types; i < n.types + n.type_count; ++i)
    if (s.types[i].first == type) return true;
  return false;
}

}  // namespace

TEST_CASE("every owner, the apex and the empty non-terminals between them are nodes") {
  auto s = build({"a.b.c A 192.0.2.1"});
  for (auto name : {"example.test.", "ns1.example.test.", "a.b.c.example.test.", "b.c.example.test.",
                    "c.example.test."})
    CHECK_MESSAGE(find(*s, name), name);
  CHECK_FALSE(find(*s, "x.example.test."));
  const compile::node* ent = find(*s, "c.example.test.");
  REQUIRE(ent);
  CHECK(ent->type_count == 0);
  CHECK(s->bodies[ent->nodata].nscount == 1);  // NODATA carries the SOA
  CHECK(s->bodies[ent->nodata].rcode == 0);
}

TEST_CASE("a wildcard is a node of its own, linked from its parent (the closest encloser)") {
  auto s = build({"*.wild A 192.0.2.1", "host.wild A 192.0.2.2", "plain A 192.0.2.3"});
  const compile::node* parent = find(*s, "wild.example.test.");
  const compile::node* star = find(*s, "*.wild.example.test.");
  REQUIRE(parent);
  REQUIRE(star);
  REQUIRE(parent->wildcard != 0);
  CHECK(&s->nodes[parent->wildcard - 1] == star);
  CHECK(find(*s, "plain.example.test.")->wildcard == 0);
  CHECK(find(*s, "host.wild.example.test.")->wildcard == 0);
  // Its answer's owner points at the whole QNAME, whatever name the wildcard stands for.
  const compile::body& a = body_for(*s, *star, rt::a);
  REQUIRE(a.fixup_count >= 1);
  const compile::fixup& f = s->fixups[a.fixups];
  CHECK(f.pos == 0);
  CHECK(f.target == compile::fixup::to::qname);
  // An exact name's owner is the QNAME suffix of its own length, as before.
  const compile::body& plain = body_for(*s, *find(*s, "plain.example.test."), rt::a);
  CHECK(s->fixups[plain.fixups].target == compile::fixup::to::suffix);
}

TEST_CASE("a CNAME node answers every type found where its chain ends, and NODATA for the rest") {
  auto s = build({"info HINFO \"pc\" \"linux\"", "info TYPE666 \\# 1 2a", "alias CNAME info",
                  "alias2 CNAME alias", "dangling CNAME nothere", "out CNAME www.example.org.",
                  "towild CNAME x.wild", "*.wild CAA 0 issue \"ca.example\""});
  const compile::node* two = find(*s, "alias2.example.test.");
  REQUIRE(two);
  CHECK(has_type(*s, *two, rt::cname));
  CHECK(has_type(*s, *two, 13));   // HINFO
  CHECK(has_type(*s, *two, 666));  // an unknown type, RFC 3597
  CHECK(body_for(*s, *two, 13).ancount == 3);
  CHECK(body_for(*s, *two, 13).nscount == 0);
  CHECK(body_for(*s, *two, rt::cname).ancount == 1);
  // Any other type: the chain, then the SOA (RFC 2308 2.2).
  const compile::body& rest = s->bodies[two->nodata];
  CHECK(rest.ancount == 2);
  CHECK(rest.nscount == 1);
  CHECK(rest.rcode == 0);
  // A dangling chain ends in NXDOMAIN with the SOA (RFC 2308 2.1, RFC 6604).
  const compile::body& dangling = s->bodies[find(*s, "dangling.example.test.")->nodata];
  CHECK(dangling.rcode == uint8_t(wire::rcode::nxdomain));
  CHECK(dangling.nscount == 1);
  // Out of our zones: the chain alone.
  const compile::body& out = s->bodies[find(*s, "out.example.test.")->nodata];
  CHECK(out.ancount == 1);
  CHECK(out.nscount == 0);
  // Through a wildcard: the types the wildcard owns.
  const compile::node* towild = find(*s, "towild.example.test.");
  CHECK(has_type(*s, *towild, 257));
  CHECK(body_for(*s, *towild, 257).ancount == 2);
}

TEST_CASE("a delegation is a referral, not authoritative, with glue; wildcards below it are too") {
  auto s = build({"sub NS ns.sub", "ns.sub A 192.0.2.53", "*.sub A 192.0.2.99"});
  for (auto name : {"sub.example.test.", "ns.sub.example.test.", "*.sub.example.test."}) {
    const compile::node* n = find(*s, name);
    REQUIRE_MESSAGE(n, name);
    CHECK(n->delegated);
    const compile::body& r = s->bodies[n->referral];
    CHECK_FALSE(r.authoritative);
    CHECK(r.nscount == 1);
    CHECK(r.arcount == 1);
  }
  // DS at the cut is the parent's data (RFC 4035 3.1.4.1): NODATA with the parent's SOA.
  const compile::node* cut = find(*s, "sub.example.test.");
  REQUIRE(has_type(*s, *cut, rt::ds));
  CHECK(body_for(*s, *cut, rt::ds).authoritative);
  CHECK(body_for(*s, *cut, rt::ds).nscount == 1);
  CHECK_FALSE(has_type(*s, *find(*s, "ns.sub.example.test."), rt::ds));
}

TEST_CASE("round-robin A RRsets are marked for rotation; single records are not") {
  auto s = build({"rr A 192.0.2.1", "rr A 192.0.2.2", "rr A 192.0.2.3", "one A 192.0.2.4"});
  const compile::body& rr = body_for(*s, *find(*s, "rr.example.test."), rt::a);
  CHECK(rr.rotate_count == 3);
  CHECK(rr.rotate_stride == 16);  // pointer owner (2) + fixed (10) + IPv4 (4)
  CHECK(body_for(*s, *find(*s, "one.example.test."), rt::a).rotate_count == 0);
}

TEST_CASE("an answer that cannot fit one message is a located build error") {
  std::vector<std::string> lines = {"big CNAME huge"};
  // 4,000 A records fit one RRset on their own (64 KB) but not behind a CNAME and a question.
  for (int i = 0; i < 4093; ++i)
    lines.push_back("huge A 10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) +
                    "." + std::to_string(i % 256));
  CHECK_THROWS_AS(build(lines), compile::build_error);
}
