// Replies to TSIG-signed ordinary queries: signed so that ldns (the oracle) verifies them over
// the request's MAC; an unknown key, a bad MAC, a skewed clock get NOTAUTH with the TSIG error.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <ctime>

#include "daemon/signed_replies.hpp"
#include "wire/constants.hpp"
#include "support/ldns_support.hpp"

using namespace sipdns;

namespace {

constexpr const char* secret = "c2lwZG5zLXRzaWctdGVzdC1zZWNyZXQtMzItYnl0ZXMhIQ==";

std::map<std::string, xfr::tsig_key> keys() {
  xfr::tsig_key k{test::wire_name("xfr-key."), test::wire_name("hmac-sha256."),
                  "sipdns-tsig-test-secret-32-bytes!!"};
  return {{k.name, k}};
}

// An SOA query signed by ldns with `name`'s key, and the parsed packet (for its MAC).
std::vector<uint8_t> signed_soa(const char* name, test::pkt_ptr& pkt) {
  auto q = test::tsig_signed_query(LDNS_RR_TYPE_SOA, 1232, 777, name, secret, pkt);
  REQUIRE(!q.empty());
  return q;
}

// A stand-in reply: the query's header and question with QR set, nothing else.
size_t fake_reply(const std::vector<uint8_t>& q, std::array<uint8_t, 4096>& out) {
  const size_t len = wire::header_size + 8 + wire::question_fixed_size;
  std::memcpy(out.data(), q.data(), len);
  out[2] |= 0x80;
  std::memset(out.data() + 6, 0, 6);  // no records
  return len;
}

}  // namespace

TEST_CASE("a reply to a signed query is signed over the request MAC; failures are NOTAUTH") {
  const auto k = keys();
  const uint64_t now = uint64_t(std::time(nullptr));
  std::array<uint8_t, 4096> out{};
  test::pkt_ptr req;
  auto q = signed_soa("xfr-key.", req);
  size_t n = daemon::sign_reply(k, q, out, fake_reply(q, out), now);
  auto resp = test::parse_packet(out.data(), n);
  REQUIRE(resp);
  const ldns_rdf* mac = ldns_rr_rdf(ldns_pkt_tsig(req.get()), 3);
  CHECK(ldns_pkt_get_rcode(resp.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_tsig_verify(resp.get(), out.data(), n, "xfr-key.", secret, mac));

  // A clock 1000 s off: BADTIME, signed (the MAC was right).
  n = daemon::sign_reply(k, q, out, fake_reply(q, out), now + 1000);
  resp = test::parse_packet(out.data(), n);
  REQUIRE(resp);
  CHECK(ldns_pkt_get_rcode(resp.get()) == LDNS_RCODE_NOTAUTH);
  CHECK(ldns_pkt_tsig_verify(resp.get(), out.data(), n, "xfr-key.", secret, mac));

  // An unknown key: NOTAUTH, TSIG error BADKEY (17), no MAC.
  test::pkt_ptr other;
  auto unknown = signed_soa("other-key.", other);
  n = daemon::sign_reply(k, unknown, out, fake_reply(unknown, out), now);
  resp = test::parse_packet(out.data(), n);
  REQUIRE(resp);
  CHECK(ldns_pkt_get_rcode(resp.get()) == LDNS_RCODE_NOTAUTH);
  const ldns_rr* t = ldns_pkt_tsig(resp.get());
  REQUIRE(t);
  CHECK(ldns_rdf2native_int16(ldns_rr_rdf(t, 5)) == 17);

  // A tampered question: BADSIG (16).
  auto tampered = q;
  tampered[wire::header_size + 1] ^= 0x20;  // a letter's case: still the name, not the MAC
  tampered[wire::header_size + 8 + 1] ^= 1;  // QTYPE
  n = daemon::sign_reply(k, tampered, out, fake_reply(tampered, out), now);
  resp = test::parse_packet(out.data(), n);
  REQUIRE(resp);
  CHECK(ldns_pkt_get_rcode(resp.get()) == LDNS_RCODE_NOTAUTH);
  REQUIRE(ldns_pkt_tsig(resp.get()));
  CHECK(ldns_rdf2native_int16(ldns_rr_rdf(ldns_pkt_tsig(resp.get()), 5)) == 16);
}
