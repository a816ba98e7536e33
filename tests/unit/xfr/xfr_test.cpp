// xfr/: prefixes and ACLs; AXFR messages parsed back by ldns.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>

#include <cstdio>
#include <ctime>
#include <fstream>

#include "wire/constants.hpp"
#include "xfr/acl.hpp"
#include "xfr/axfr.hpp"
#include "xfr/ixfr.hpp"
#include "xfr/notify.hpp"
#include "xfr/tsig.hpp"
// ldns last: its headers break <optional> when they come first.
#include "../../support/ldns_support.hpp"

using namespace sipdns;

namespace {
sockaddr_storage addr(const char* ip) {
  sockaddr_storage ss{};
  if (inet_pton(AF_INET, ip, &reinterpret_cast<sockaddr_in&>(ss).sin_addr) == 1) {
    ss.ss_family = AF_INET;
  } else {
    REQUIRE(inet_pton(AF_INET6, ip, &reinterpret_cast<sockaddr_in6&>(ss).sin6_addr) == 1);
    ss.ss_family = AF_INET6;
  }
  return ss;
}
bool permits(const xfr::acl& a, const char* ip, const std::string& key = {}) {
  sockaddr_storage ss = addr(ip);
  return a.permits(reinterpret_cast<const sockaddr*>(&ss), key);
}
}  // namespace

TEST_CASE("acl: no one by default; prefixes of either family; v4-mapped is IPv4") {
  xfr::acl a;
  CHECK_FALSE(permits(a, "127.0.0.1"));
  std::string err;
  a.allow(*xfr::parse_acl_entry("10.1.0.0/16", err));
  a.allow(*xfr::parse_acl_entry("2001:db8::/33", err));
  CHECK(permits(a, "10.1.200.3"));
  CHECK_FALSE(permits(a, "10.2.0.1"));
  CHECK(permits(a, "2001:db8:7fff::1"));
  CHECK_FALSE(permits(a, "2001:db8:8000::1"));
  CHECK(permits(a, "::ffff:10.1.0.9"));
  CHECK_FALSE(permits(a, "::1"));
}

TEST_CASE("acl: key:NAME anywhere, PREFIX,key:NAME both; bad entries say why") {
  std::string err;
  const std::string k = test::wire_name("xfr-key.");
  xfr::acl a;
  a.allow(*xfr::parse_acl_entry("key:xfr-key", err));
  a.allow(*xfr::parse_acl_entry("192.0.2.0/24,key:site-key", err));
  CHECK(permits(a, "203.0.113.9", k));
  CHECK_FALSE(permits(a, "203.0.113.9"));  // unsigned
  CHECK(permits(a, "192.0.2.7", test::wire_name("site-key.")));
  CHECK_FALSE(permits(a, "198.51.100.7", test::wire_name("site-key.")));
  CHECK_FALSE(permits(a, "192.0.2.7"));
  CHECK_FALSE(xfr::parse_acl_entry("192.0.2.0/24,xfr-key", err));
  CHECK(err.find("key:NAME") != std::string::npos);
  CHECK_FALSE(xfr::parse_acl_entry("key:", err));
  CHECK_FALSE(xfr::parse_acl_entry("192.0.2.1/24,key:k", err));
  CHECK(err.find("host bits") != std::string::npos);
}

TEST_CASE("AXFR: SOA first and last with the served serial, every record once, split") {
  std::vector<std::string> lines = {
      "x.test. 3600 IN SOA ns1.x.test. hostmaster.x.test. 7 3600 600 86400 30",
      "x.test. 3600 IN NS ns1.x.test.", "ns1.x.test. 3600 IN A 192.0.2.1"};
  for (int i = 0; i < 200; ++i)
    lines.push_back("h" + std::to_string(i) + ".x.test. 30 IN A 192.0.2." + std::to_string(i % 250));
  zone::expanded_zone z = test::make_zone("x.test.", lines);
  auto query = test::make_query("x.test.", LDNS_RR_TYPE_AXFR, 0, 777);
  const size_t question_end = wire::header_size + z.origin.size() + 4;
  auto msgs = xfr::axfr_messages(query, question_end, z, 2026120501, 1024);
  REQUIRE(msgs.size() > 1);  // 1 KiB messages cannot hold 203 records
  std::vector<std::string> all;
  for (size_t i = 0; i < msgs.size(); ++i) {
    CHECK(msgs[i].size() <= 1024);
    auto p = test::parse_packet(msgs[i].data(), msgs[i].size());
    REQUIRE(p);
    CHECK(ldns_pkt_id(p.get()) == 777);
    CHECK(ldns_pkt_qr(p.get()));
    CHECK(ldns_pkt_aa(p.get()));
    CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
    CHECK(ldns_pkt_qdcount(p.get()) == (i == 0 ? 1 : 0));
    for (const auto& t : test::section(ldns_pkt_answer(p.get()))) all.push_back(t);
  }
  REQUIRE(all.size() == lines.size() + 1);
  CHECK(all.front().find("SOA") != std::string::npos);
  CHECK(all.front().find("2026120501") != std::string::npos);
  CHECK(all.back() == all.front());
  for (size_t i = 1; i + 1 < all.size(); ++i) CHECK(all[i].find("SOA") == std::string::npos);
}

TEST_CASE("error replies echo the question with the rcode") {
  auto query = test::make_query("x.test.", LDNS_RR_TYPE_AXFR, 0, 9);
  auto m = xfr::error_reply(query, wire::header_size + 8 + 4, uint16_t(wire::rcode::notauth));
  auto p = test::parse_packet(m.data(), m.size());
  REQUIRE(p);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOTAUTH);
  CHECK(ldns_pkt_qdcount(p.get()) == 1);
  CHECK(ldns_pkt_ancount(p.get()) == 0);
}

TEST_CASE("NOTIFY: opcode 4, AA, question and SOA with the new serial; answers matched") {
  zone::expanded_zone z = test::make_zone(
      "x.test.", {"x.test. 3600 IN SOA ns1.x.test. hostmaster.x.test. 7 3600 600 86400 30"});
  auto m = xfr::notify_message(4321, z.soa, 99);
  auto p = test::parse_packet(m.data(), m.size());
  REQUIRE(p);
  CHECK(ldns_pkt_get_opcode(p.get()) == LDNS_PACKET_NOTIFY);
  CHECK(ldns_pkt_aa(p.get()));
  CHECK_FALSE(ldns_pkt_qr(p.get()));
  CHECK(ldns_pkt_id(p.get()) == 4321);
  REQUIRE(ldns_pkt_qdcount(p.get()) == 1);
  CHECK(test::section(ldns_pkt_question(p.get())).front().find("SOA") != std::string::npos);
  auto answer = test::section(ldns_pkt_answer(p.get()));
  REQUIRE(answer.size() == 1);
  CHECK(answer[0].find(" 99 3600 600 86400 30") != std::string::npos);

  // The secondary's answer: the same message with QR (and an rcode).
  auto reply = m;
  reply[2] |= 0x80;
  CHECK(xfr::read_notify_answer(reply, 4321, z.origin) == xfr::notify_answer::ack);
  CHECK(xfr::read_notify_answer(reply, 4322, z.origin) == xfr::notify_answer::none);
  CHECK(xfr::read_notify_answer(m, 4321, z.origin) == xfr::notify_answer::none);  // no QR
  CHECK(xfr::read_notify_answer(reply, 4321, test::wire_name("y.test.")) ==
        xfr::notify_answer::none);
  reply[3] = uint8_t((reply[3] & 0xF0) | 9);  // NOTAUTH
  CHECK(xfr::read_notify_answer(reply, 4321, z.origin) == xfr::notify_answer::refused);
  CHECK(xfr::read_notify_answer(std::span<const uint8_t>(reply.data(), 5), 4321, z.origin) ==
        xfr::notify_answer::none);
}

TEST_CASE("IXFR: the query's serial; difference sequences; up to date is one SOA") {
  zone::expanded_zone z = test::make_zone(
      "x.test.", {"x.test. 3600 IN SOA ns1.x.test. hostmaster.x.test. 10 3600 600 86400 30",
                  "a.x.test. 30 IN A 192.0.2.1", "a.x.test. 30 IN A 192.0.2.2"});
  // A query as dig sends it: IXFR, and in AUTHORITY the secondary's SOA (names compressed).
  ldns_rr* soa = nullptr;
  REQUIRE(ldns_rr_new_frm_str(&soa, "x.test. 3600 IN SOA ns1.x.test. hostmaster.x.test. 8 1 1 1 1",
                              0, nullptr, nullptr) == LDNS_STATUS_OK);
  test::pkt_ptr query(
      ldns_pkt_ixfr_request_new(ldns_dname_new_frm_str("x.test."), LDNS_RR_CLASS_IN, 0, soa));
  REQUIRE(query);
  REQUIRE(ldns_pkt_nscount(query.get()) == 1);
  uint8_t* wire_bytes = nullptr;
  size_t wire_len = 0;
  REQUIRE(ldns_pkt2wire(&wire_bytes, query.get(), &wire_len) == LDNS_STATUS_OK);
  std::vector<uint8_t> bytes(wire_bytes, wire_bytes + wire_len);
  free(wire_bytes);
  const size_t question_end = wire::header_size + z.origin.size() + 4;
  REQUIRE(xfr::ixfr_query_serial(bytes, question_end) == 8u);
  auto plain = test::make_query("x.test.", LDNS_RR_TYPE_IXFR);
  CHECK_FALSE(xfr::ixfr_query_serial(plain, question_end));  // no SOA: not an IXFR we can serve
  CHECK_FALSE(xfr::ixfr_query_serial(std::span<const uint8_t>(bytes.data(), bytes.size() - 3),
                                     question_end));  // cut short

  auto s1 = std::make_shared<xfr::ixfr_step>();
  s1->from = 8, s1->to = 9, s1->removed = {z.records[2]};
  auto s2 = std::make_shared<xfr::ixfr_step>();
  s2->from = 9, s2->to = 10, s2->added = {z.records[2]};
  auto msgs = xfr::ixfr_messages(bytes, question_end, z.soa, 10, {s1, s2});
  std::vector<std::string> all;
  for (const auto& m : msgs) {
    auto p = test::parse_packet(m.data(), m.size());
    REQUIRE(p);
    for (const auto& t : test::section(ldns_pkt_answer(p.get()))) all.push_back(t);
  }
  REQUIRE(all.size() == 8);  // SOA10 | SOA8 -a SOA9 | SOA9 SOA10 +a | SOA10
  CHECK(all[0].find(" 10 3600 600") != std::string::npos);
  CHECK(all[1].find(" 8 3600 600") != std::string::npos);
  CHECK(all[2].find("192.0.2.2") != std::string::npos);
  CHECK(all[3].find(" 9 3600 600") != std::string::npos);
  CHECK(all[4].find(" 9 3600 600") != std::string::npos);
  CHECK(all[5] == all[0]);
  CHECK(all[6].find("192.0.2.2") != std::string::npos);
  CHECK(all[7] == all[0]);
  auto up_to_date = xfr::ixfr_messages(bytes, question_end, z.soa, 10, {});
  REQUIRE(up_to_date.size() == 1);
  CHECK(wire::get16(up_to_date[0].data() + 6) == 1);
}

namespace {
constexpr const char* secret = "c2lwZG5zLXRzaWctdGVzdC1zZWNyZXQtMzItYnl0ZXMhIQ==";

std::map<std::string, xfr::tsig_key> key_file(const std::string& text, std::string& err) {
  char path[] = "/tmp/sipdns-tsig-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << text;
  std::map<std::string, xfr::tsig_key> keys;
  if (!xfr::read_key_file(path, keys, err)) keys.clear();
  std::remove(path);
  return keys;
}

// An AXFR query signed by ldns (the oracle) with `name`'s key.
std::vector<uint8_t> signed_query(const char* name, const char* key_b64, test::pkt_ptr& pkt) {
  auto q = test::tsig_signed_query(LDNS_RR_TYPE_AXFR, 0, 555, name, key_b64, pkt);
  REQUIRE(!q.empty());
  return q;
}
}  // namespace

TEST_CASE("TSIG key files: tsig-keygen's format; errors name file and line") {
  std::string err;
  auto keys = key_file(std::string("key \"xfr-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"") +
                           secret + "\";\n};\n",
                       err);
  REQUIRE_MESSAGE(keys.size() == 1, err);
  const xfr::tsig_key& k = keys.begin()->second;
  CHECK(k.name == test::wire_name("xfr-key."));
  CHECK(k.secret == "sipdns-tsig-test-secret-32-bytes!!");
  CHECK(key_file("key \"k\" { algorithm hmac-md5; secret \"AAAA\"; };", err).empty());
  CHECK(err.find(":1: ") != std::string::npos);
  CHECK(err.find("hmac-md5") != std::string::npos);
  CHECK(key_file("key \"k\" {\n algorithm hmac-sha256;\n secret \"not base64!\";\n};", err).empty());
  CHECK(err.find("base64") != std::string::npos);
  CHECK(key_file("", err).empty());
}

TEST_CASE("TSIG: ldns-signed requests verify; bad MAC, unknown key, clock skew do not") {
  std::string err;
  auto keys = key_file(std::string("key \"xfr-key\" { algorithm hmac-sha256; secret \"") +
                           secret + "\"; };",
                       err);
  REQUIRE(keys.size() == 1);
  test::pkt_ptr req;
  auto q = signed_query("xfr-key.", secret, req);
  const size_t question_end = wire::header_size + 8 + 4;
  const uint64_t now = uint64_t(std::time(nullptr));
  auto v = xfr::verify_request(q, question_end, keys, now);
  REQUIRE(v.present);
  CHECK(v.error == xfr::tsig_error::none);
  CHECK(v.key == &keys.begin()->second);
  CHECK(xfr::verify_request(q, question_end, keys, now + 1000).error ==
        xfr::tsig_error::badtime);
  auto tampered = q;
  tampered[question_end - 1] ^= 1;  // the question's class
  CHECK(xfr::verify_request(tampered, question_end, keys, now).error == xfr::tsig_error::badsig);
  test::pkt_ptr other;
  auto unknown = signed_query("other-key.", secret, other);
  CHECK(xfr::verify_request(unknown, question_end, keys, now).error == xfr::tsig_error::badkey);
  auto plain = test::make_query("x.test.", LDNS_RR_TYPE_AXFR);
  CHECK_FALSE(xfr::verify_request(plain, question_end, keys, now).present);

  // Our signed answer verifies with ldns against the request's MAC.
  zone::expanded_zone z = test::make_zone(
      "x.test.", {"x.test. 3600 IN SOA ns1.x.test. hostmaster.x.test. 7 3600 600 86400 30",
                  "a.x.test. 30 IN A 192.0.2.1"});
  auto msgs = xfr::axfr_messages(q, question_end, z, 7);
  REQUIRE(msgs.size() == 1);
  xfr::tsig_signer signer(*v.key, v.mac, now);
  signer.sign(msgs[0]);
  auto resp = test::parse_packet(msgs[0].data(), msgs[0].size());
  REQUIRE(resp);
  const ldns_rdf* request_mac = ldns_rr_rdf(ldns_pkt_tsig(req.get()), 3);
  CHECK(ldns_pkt_tsig_verify(resp.get(), msgs[0].data(), msgs[0].size(), "xfr-key.", secret,
                             request_mac));
  CHECK_FALSE(ldns_pkt_tsig_verify(resp.get(), msgs[0].data(), msgs[0].size(), "xfr-key.",
                                   "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=", request_mac));
}
