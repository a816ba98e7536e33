// The SIP OPTIONS and STUN codecs in isolation: request text, response parsing, framing.
#include <doctest/doctest.h>

#include <optional>
#include <random>
#include <tuple>

#include "health/probe/sip_options.hpp"
#include "health/probe/stun.hpp"
#include "probe_support.hpp"

using namespace sipdns::health;
using namespace sipdns::health::detail;
using probe_test::v4;
using sipdns::health::probe_transport;

namespace {

std::string response(const std::string& status, const std::string& branch,
                     const std::string& call_id, const std::string& extra = "") {
  return status + "\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=" + branch +
         ";rport=40000;received=127.0.0.1\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKother\r\n"
         "From: <sip:sipdns-probe@127.0.0.1>;tag=1\r\nTo: <sip:peer1.lab.test>;tag=2\r\n"
         "Call-ID: " +
         call_id + "\r\nCSeq: 1 OPTIONS\r\n" + extra + "Content-Length: 0\r\n\r\n";
}

}  // namespace

TEST_CASE("OPTIONS request carries the RFC 3261 section 8.1.1 headers") {
  probe_target t;
  t.address = v4("192.0.2.10", 5060);
  t.host = "peer1.lab.test";
  sip_ids ids{"z9hG4bKabc", "tag1", "cid1"};
  auto local = v4("192.0.2.1", 40000);
  std::string r = build_options_request(t, probe_transport::udp, local, ids);
  CHECK(r.rfind("OPTIONS sip:peer1.lab.test:5060;transport=udp SIP/2.0\r\n", 0) == 0);
  CHECK(r.find("\r\nVia: SIP/2.0/UDP 192.0.2.1:40000;branch=z9hG4bKabc;rport\r\n") !=
        std::string::npos);
  CHECK(r.find("\r\nMax-Forwards: 70\r\n") != std::string::npos);
  CHECK(r.find("\r\nFrom: <sip:sipdns-probe@192.0.2.1>;tag=tag1\r\n") != std::string::npos);
  CHECK(r.find("\r\nTo: <sip:peer1.lab.test>\r\n") != std::string::npos);
  CHECK(r.find("\r\nCall-ID: cid1@192.0.2.1\r\n") != std::string::npos);
  CHECK(r.find("\r\nCSeq: 1 OPTIONS\r\n") != std::string::npos);
  CHECK(r.find("\r\nContact: <sip:sipdns-probe@192.0.2.1:40000;transport=udp>\r\n") !=
        std::string::npos);
  CHECK(r.find("\r\nAccept: application/sdp\r\n") != std::string::npos);
  CHECK(r.find("\r\nUser-Agent: sipdns/" SIPDNS_VERSION "\r\n") != std::string::npos);
  CHECK(r.size() > 4);
  CHECK(r.substr(r.size() - 23) == "\r\nContent-Length: 0\r\n\r\n");

  std::string tls = build_options_request(t, probe_transport::tls, local, ids);
  CHECK(tls.find("Via: SIP/2.0/TLS 192.0.2.1:40000;branch=z9hG4bKabc\r\n") != std::string::npos);
  CHECK(tls.find(";transport=tls SIP/2.0") != std::string::npos);

  t.host.clear();
  sockaddr_storage v6{};
  auto* s6 = reinterpret_cast<sockaddr_in6*>(&v6);
  s6->sin6_family = AF_INET6;
  s6->sin6_port = htons(5061);
  inet_pton(AF_INET6, "::1", &s6->sin6_addr);
  t.address = v6;
  std::string r6 = build_options_request(t, probe_transport::tcp, v6, ids);
  CHECK(r6.rfind("OPTIONS sip:[::1]:5061;transport=tcp SIP/2.0\r\n", 0) == 0);
  CHECK(r6.find("Via: SIP/2.0/TCP [::1]:5061;branch=") != std::string::npos);
}

TEST_CASE("random identifiers: branch has the RFC 3261 magic cookie and they differ") {
  std::mt19937_64 rng(1);
  auto a = make_sip_ids(rng), b = make_sip_ids(rng);
  CHECK(a.branch.view().rfind("z9hG4bK", 0) == 0);
  CHECK(a.branch.view().size() == 31);
  CHECK(a.call_id_local.view().size() == 32);
  CHECK(a.from_tag.view().size() == 12);
  CHECK(a.branch != b.branch);
  CHECK(a.call_id_local != b.call_id_local);
  CHECK(a.from_tag != b.from_tag);
}

TEST_CASE("response parsing: status, top Via branch, Call-ID, Retry-After") {
  auto r = parse_sip_response(response("SIP/2.0 503 Service Unavailable", "z9hG4bKx", "c@h",
                                       "Retry-After: 120 (maintenance);duration=60\r\n"));
  REQUIRE(r);
  CHECK(r->code == 503);
  CHECK(r->phrase == "Service Unavailable");
  CHECK(r->branch == "z9hG4bKx");
  CHECK(r->call_id == "c@h");
  CHECK(r->retry_after == 120u);

  // Compact forms (RFC 3261 section 7.3.3) and a folded header line (section 7.3.1).
  auto c = parse_sip_response(
      "SIP/2.0 200 OK\r\nv: SIP/2.0/TCP 127.0.0.1:1\r\n ;branch=z9hG4bKy\r\ni: id\r\nl: 0\r\n\r\n");
  REQUIRE(c);
  CHECK(c->branch == "z9hG4bKy");
  CHECK(c->call_id == "id");
  CHECK_FALSE(c->retry_after);

  CHECK_FALSE(parse_sip_response("OPTIONS sip:a SIP/2.0\r\nVia: x\r\n\r\n"));
  CHECK_FALSE(parse_sip_response("SIP/2.0 2x0 OK\r\n\r\n"));
  CHECK_FALSE(parse_sip_response("SIP/2.0 099 Low\r\n\r\n"));
  CHECK_FALSE(parse_sip_response("SIP/2.0 2000 OK\r\n\r\n"));
  CHECK_FALSE(parse_sip_response("HTTP/1.1 200 OK\r\n\r\n"));
  CHECK_FALSE(parse_sip_response("SIP/2.0 200 OK\r\nno colon here\r\n\r\n"));
  // The status line is not a header: a continuation line after it is not joined to it
  // (found by the sip_response fuzz target).
  CHECK_FALSE(parse_sip_response("SIP/2.0\r\n 200 OK\r\nCall-ID: c\r\n\r\n"));
  CHECK_FALSE(parse_sip_response("SIP/2.0\n 200 OK\r\n\r\n"));
}

TEST_CASE("the probe's own parse views the message; only folded lines are copied") {
  std::string scratch;
  const std::string plain = response("SIP/2.0 486 Busy\x01Here", "z9hG4bKx", "c@h");
  auto v = parse_sip_response(plain, scratch);
  REQUIRE(v);
  CHECK(v->branch == "z9hG4bKx");
  CHECK(v->branch.data() >= plain.data());
  CHECK(v->branch.data() < plain.data() + plain.size());
  CHECK(v->phrase == "Busy\x01Here");  // raw here; the verdict makes it printable
  CHECK(sip_verdict(v->code, v->phrase, v->retry_after, {{200, 299}}).reason ==
        "SIP 486 Busy?Here");
  CHECK(scratch.empty());

  const std::string folded =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:1\r\n\t;branch=z9hG4bKy\r\nCall-ID: id\r\n\r\n";
  auto f = parse_sip_response(folded, scratch);
  REQUIRE(f);
  CHECK(f->branch == "z9hG4bKy");
  CHECK(f->branch.data() >= scratch.data());
  CHECK(f->branch.data() < scratch.data() + scratch.size());
  CHECK(f->call_id == "id");
}

TEST_CASE("verdicts: 503 draining, up_codes up, the rest down with the phrase") {
  sip_response r;
  r.code = 503;
  r.retry_after = 30;
  auto d = sip_verdict(r, {{200, 699}});
  CHECK(d.result == outcome::draining);
  CHECK(d.reason == "SIP 503");
  CHECK(d.retry_after_s == 30u);
  r = {};
  r.code = 486;
  r.phrase = "Busy Here";
  CHECK(sip_verdict(r, {{200, 699}}).result == outcome::up);
  auto down = sip_verdict(r, {{200, 299}, {404, 404}});
  CHECK(down.result == outcome::down);
  CHECK(down.reason == "SIP 486 Busy Here");
}

TEST_CASE("stream framing: keep-alives, partial messages, bodies, garbage") {
  std::string one = "SIP/2.0 200 OK\r\nContent-Length: 4\r\n\r\nbody";
  auto f = frame_sip_message("\r\n\r\n" + one + "SIP/2.0 1");
  CHECK(f.status == frame_status::complete);
  CHECK(f.skip == 4);
  CHECK(f.length == one.size());
  CHECK(frame_sip_message(one.substr(0, one.size() - 1)).status == frame_status::incomplete);
  CHECK(frame_sip_message("SIP/2.0 200 OK\r\nl: 99999999\r\n\r\n").status ==
        frame_status::malformed);
  CHECK(frame_sip_message(std::string(20000, 'x')).status == frame_status::malformed);
}

TEST_CASE("SIP framing at the header limit does not depend on how TCP split the stream") {
  // Headers of exactly sip_max_header_bytes, then the empty line: a valid message. Its
  // prefixes one to three bytes past the limit lack only part of the CRLFCRLF and must wait
  // (found by the sip_response fuzz target's chunking check).
  std::string head = "SIP/2.0 200 OK\r\nX: ";
  head += std::string(sip_max_header_bytes - head.size(), 'a');
  const std::string message = head + "\r\n\r\n";
  for (size_t cut = sip_max_header_bytes; cut < message.size(); ++cut) {
    CAPTURE(cut);
    CHECK(frame_sip_message(message.substr(0, cut)).status == frame_status::incomplete);
  }
  auto f = frame_sip_message(message);
  CHECK(f.status == frame_status::complete);
  CHECK(f.length == message.size());
  // One byte more header: malformed, however much has arrived.
  CHECK(frame_sip_message("x" + message).status == frame_status::malformed);
  CHECK(frame_sip_message("x" + head + "\r\n\r").status == frame_status::malformed);
  CHECK(frame_sip_message(head + "aaaa").status == frame_status::malformed);
}

TEST_CASE("sip_exchange matches only its own transaction and skips provisional responses") {
  std::mt19937_64 rng(7);
  probe_target t;
  t.address = v4("127.0.0.2", 5060);
  t.host = "peer1.lab.test";
  sip_exchange ex(std::make_shared<const probe_target>(t), probe_transport::tcp, rng);
  std::string req = ex.request(v4("127.0.0.1", 40000));
  auto field = [&](const std::string& prefix) {
    size_t at = req.find(prefix) + prefix.size();
    return req.substr(at, req.find_first_of(";\r", at) - at);
  };
  std::string branch = field("branch=");
  std::string call_id = field("Call-ID: ");

  std::string stream = response("SIP/2.0 200 OK", "z9hG4bKstale", call_id) +
                       response("SIP/2.0 100 Trying", branch, call_id) + "\r\n\r\n" +
                       "OPTIONS sip:probe SIP/2.0\r\nContent-Length: 0\r\n\r\n";
  CHECK_FALSE(ex.on_stream(stream));
  CHECK(stream.empty());
  stream = response("SIP/2.0 200 OK", branch, "other@x");
  CHECK_FALSE(ex.on_stream(stream));
  std::string last = response("SIP/2.0 200 OK", branch, call_id);
  stream = last.substr(0, 30);
  CHECK_FALSE(ex.on_stream(stream));
  stream += last.substr(30);
  auto v = ex.on_stream(stream);
  REQUIRE(v);
  CHECK(v->result == outcome::up);
  CHECK(v->reason == "SIP 200");

  std::string junk = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  auto bad = ex.on_stream(junk);
  REQUIRE(bad);
  CHECK(bad->reason == "SIP: malformed response");
}

TEST_CASE("STUN Binding request and response validation (RFC 5389 section 6)") {
  stun_transaction_id id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::string req = build_stun_binding_request(id);
  REQUIRE(req.size() == 20);
  CHECK(req.substr(0, 8) == std::string("\x00\x01\x00\x00\x21\x12\xA4\x42", 8));
  CHECK(req.substr(8) == std::string(id.begin(), id.end()));

  auto message = [&](uint16_t type, const std::string& attrs) {
    std::string m = req;
    m[0] = static_cast<char>(type >> 8);
    m[1] = static_cast<char>(type);
    m[2] = static_cast<char>(attrs.size() >> 8);
    m[3] = static_cast<char>(attrs.size());
    return m + attrs;
  };
  // XOR-MAPPED-ADDRESS for 127.0.0.1:40000, as a server sends it.
  std::string xma("\x00\x20\x00\x08\x00\x01\xbc\x72\x5e\x12\xa4\x43", 12);
  auto ok = parse_stun_reply(message(stun_binding_success, xma), id);
  REQUIRE(ok);
  CHECK(ok->type == stun_binding_success);

  std::string err_attr("\x00\x09\x00\x10\x00\x00\x04\x01Unauthorized", 20);  // 401
  auto err = parse_stun_reply(message(stun_binding_error, err_attr), id);
  REQUIRE(err);
  CHECK(err->error_code == 401);

  // RFC 5389 section 15.6: class 3..6 and number 0..99; anything else is no error code.
  for (auto [cls, number, code] : {std::tuple{3, 0, 300},
                                   {6, 99, 699},
                                   {4, 20, 420},
                                   {7, 255, 0},
                                   {2, 0, 0},
                                   {4, 100, 0},
                                   {0, 0, 0}}) {
    CAPTURE(cls);
    CAPTURE(number);
    std::string attr("\x00\x09\x00\x04\x00\x00", 6);
    attr += static_cast<char>(cls);
    attr += static_cast<char>(number);
    auto e = parse_stun_reply(message(stun_binding_error, attr), id);
    REQUIRE(e);
    CHECK(e->error_code == (code ? std::optional<uint16_t>(code) : std::nullopt));
  }

  stun_transaction_id other = id;
  other[11] = 99;
  CHECK_FALSE(parse_stun_reply(message(stun_binding_success, xma), other));
  std::string bad_len = message(stun_binding_success, xma);
  bad_len[3] = 9;  // not a multiple of 4
  CHECK_FALSE(parse_stun_reply(bad_len, id));
  std::string truncated = message(stun_binding_success, xma);
  truncated.pop_back();
  CHECK_FALSE(parse_stun_reply(truncated, id));
  std::string bad_cookie = message(stun_binding_success, "");
  bad_cookie[4] = 0;
  CHECK_FALSE(parse_stun_reply(bad_cookie, id));
  std::string overrun =
      message(stun_binding_success, std::string("\x00\x20\x00\x10\x00\x00\x00\x00", 8));
  CHECK_FALSE(parse_stun_reply(overrun, id));

  CHECK(frame_stun_message(req.substr(0, 10)) == size_t{0});
  CHECK(frame_stun_message(message(stun_binding_success, xma) + "xx") == size_t{32});
  CHECK_FALSE(frame_stun_message("GET / HTTP/1.1\r\n\r\n"));
}
