// The RRL limiter driven by real replies (answer::respond on a real snapshot, with what it
// says of each reply), hand-made client addresses and an injected clock in seconds.
#include <arpa/inet.h>
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "answer/answer.hpp"
#include "compile/build.hpp"
#include "rrl/limiter.hpp"
#include "support/alloc_counter.hpp"
#include "support/ldns_support.hpp"

using namespace sipdns;
using rrl::verdict;

namespace {

const compile::snapshot& snap() {
  static compile::snapshot_ptr s = compile::build({test::make_zone("uctest.local.", {
      "uctest.local. 3600 IN SOA ns1.uctest.local. hostmaster.uctest.local. 1 3600 600 604800 60",
      "@ NS ns1", "ns1 A 127.0.0.1", "h1 A 10.48.53.127", "h2 A 10.48.53.128",
      "_sip._udp SRV 10 10 5060 h1", "_sip._udp SRV 10 10 5060 h2", "child NS ns.child",
      "ns.child A 127.0.0.53"})});
  return *s;
}

// The reply sipdnsd would send over UDP for NAME TYPE, and what respond() said of it.
struct reply {
  std::array<uint8_t, wire::our_edns_size> bytes{};
  size_t len = 0;
  wire::reply_info info;
  std::span<const uint8_t> span() const { return {bytes.data(), len}; }
};
reply answer_for(const std::string& name, ldns_rr_type type = LDNS_RR_TYPE_A,
                 uint16_t edns = 0) {
  reply r;
  auto q = test::make_query(name, type, edns);
  answer::loop_state state;
  r.len = answer::respond(snap(), q, r.bytes, answer::transport::udp, state, r.info);
  REQUIRE(r.len > 0);
  return r;
}

sockaddr_storage addr(const char* text) {
  sockaddr_storage ss{};
  if (inet_pton(AF_INET, text, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr) == 1) {
    ss.ss_family = AF_INET;
  } else {
    REQUIRE(inet_pton(AF_INET6, text, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr) == 1);
    ss.ss_family = AF_INET6;
  }
  return ss;
}
const sockaddr* sa(const sockaddr_storage& ss) { return reinterpret_cast<const sockaddr*>(&ss); }

rrl::config rate(uint32_t r, uint32_t window = 5, uint32_t slip = 2) {
  rrl::config c;
  c.rate = r;
  c.window = window;
  c.slip = slip;
  c.table_size = 1024;
  return c;
}

struct tally {
  int sent = 0, slipped = 0, dropped = 0;
};
// Asks `n` times for `r` from `client` at second `now`.
tally ask(rrl::limiter& l, const char* client, const reply& r, uint32_t now, int n) {
  tally t;
  auto peer = addr(client);
  for (int i = 0; i < n; ++i) switch (l.check(sa(peer), r.span(), r.info, now)) {
      case verdict::send: ++t.sent; break;
      case verdict::slip: ++t.slipped; break;
      case verdict::drop: ++t.dropped; break;
    }
  return t;
}

}  // namespace

TEST_CASE("rate replies per second pass; the rest alternate truncated and dropped (slip 2)") {
  rrl::limiter l(rate(10), nullptr, 1);
  auto srv = answer_for("_sip._udp.uctest.local.", LDNS_RR_TYPE_SRV);
  tally t = ask(l, "192.0.2.7", srv, 100, 100);
  CHECK(t.sent == 10);
  CHECK(t.slipped == 45);
  CHECK(t.dropped == 45);
  auto c = l.counts();
  CHECK(c.limited == 90);
  CHECK(c.slipped == 45);
  CHECK(c.dropped == 45);
}

TEST_CASE("slip 0 drops every limited reply, slip 1 truncates every one, slip 3 one in three") {
  auto srv = answer_for("_sip._udp.uctest.local.", LDNS_RR_TYPE_SRV);
  rrl::limiter none(rate(5, 5, 0), nullptr, 1);
  tally t = ask(none, "192.0.2.7", srv, 1, 35);
  CHECK(t.sent == 5);
  CHECK(t.slipped == 0);
  CHECK(t.dropped == 30);
  rrl::limiter all(rate(5, 5, 1), nullptr, 1);
  t = ask(all, "192.0.2.7", srv, 1, 35);
  CHECK(t.slipped == 30);
  CHECK(t.dropped == 0);
  rrl::limiter third(rate(5, 5, 3), nullptr, 1);
  t = ask(third, "192.0.2.7", srv, 1, 35);
  CHECK(t.slipped == 10);
  CHECK(t.dropped == 20);
}

TEST_CASE("keys: client prefix, and the answer asked for") {
  auto srv = answer_for("_sip._udp.uctest.local.", LDNS_RR_TYPE_SRV);
  auto srv_upper = answer_for("_SIP._UDP.UCtest.LOCAL.", LDNS_RR_TYPE_SRV);
  auto a = answer_for("h1.uctest.local.", LDNS_RR_TYPE_A);
  auto aaaa = answer_for("h1.uctest.local.", LDNS_RR_TYPE_AAAA);  // NODATA: its own key
  rrl::limiter l(rate(3), nullptr, 1);
  CHECK(ask(l, "192.0.2.7", srv, 1, 10).sent == 3);
  // Same /24, same answer (letter case does not matter): nothing left.
  CHECK(ask(l, "192.0.2.200", srv, 1, 5).sent == 0);
  CHECK(ask(l, "192.0.2.201", srv_upper, 1, 5).sent == 0);
  // Another /24, another name or another type: a budget of their own.
  CHECK(ask(l, "192.0.3.7", srv, 1, 10).sent == 3);
  CHECK(ask(l, "192.0.2.7", a, 1, 10).sent == 3);
  CHECK(ask(l, "192.0.2.7", aaaa, 1, 10).sent == 3);

  SUBCASE("--rrl-ipv4-prefix 32 separates hosts of one /24") {
    rrl::config c = rate(3);
    c.ipv4_prefix = 32;
    rrl::limiter host(c, nullptr, 1);
    CHECK(ask(host, "192.0.2.7", srv, 1, 10).sent == 3);
    CHECK(ask(host, "192.0.2.8", srv, 1, 10).sent == 3);
  }
  SUBCASE("IPv6 clients share a /56 by default") {
    rrl::limiter six(rate(3), nullptr, 1);
    CHECK(ask(six, "2001:db8:0:100::1", srv, 1, 10).sent == 3);
    CHECK(ask(six, "2001:db8:0:1ff::2", srv, 1, 10).sent == 0);  // same /56
    CHECK(ask(six, "2001:db8:0:200::1", srv, 1, 10).sent == 3);  // next /56
  }
}

TEST_CASE("NXDOMAIN is keyed by zone, referrals by cut, errors by client only") {
  rrl::limiter l(rate(4), nullptr, 1);
  // Random subdomains of one zone share one budget (a random-subdomain flood is one key).
  int sent = 0;
  for (int i = 0; i < 20; ++i)
    sent += ask(l, "192.0.2.7", answer_for("r" + std::to_string(i) + ".uctest.local."), 1, 1).sent;
  CHECK(sent == 4);
  sent = 0;
  for (int i = 0; i < 20; ++i)
    sent += ask(l, "192.0.2.7", answer_for("x" + std::to_string(i) + ".child.uctest.local."), 1, 1)
                .sent;
  CHECK(sent == 4);
  // Outside every zone: REFUSED, all names one key.
  sent = 0;
  for (int i = 0; i < 20; ++i)
    sent += ask(l, "192.0.2.7", answer_for("n" + std::to_string(i) + ".example.org."), 1, 1).sent;
  CHECK(sent == 4);
  // None of that touched the answers' budget.
  CHECK(ask(l, "192.0.2.7", answer_for("h1.uctest.local."), 1, 10).sent == 4);
}

TEST_CASE("a flooding client stays limited until it has been quiet for the window") {
  auto srv = answer_for("_sip._udp.uctest.local.", LDNS_RR_TYPE_SRV);
  rrl::limiter l(rate(10, 5), nullptr, 1);
  tally first = ask(l, "192.0.2.7", srv, 1000, 50);
  CHECK(first.sent == 10);
  // Still over the rate every second: nothing passes, not even the per-second refill.
  for (uint32_t s = 1001; s < 1010; ++s) CHECK(ask(l, "192.0.2.7", srv, s, 50).sent == 0);
  // Quiet from 1010 on: at 1009 + 4 still in debt, at 1009 + 5 a full second's budget again.
  CHECK(ask(l, "192.0.2.7", srv, 1013, 1).sent == 0);
  rrl::limiter l2(rate(10, 5), nullptr, 1);
  ask(l2, "192.0.2.7", srv, 1000, 50);
  CHECK(ask(l2, "192.0.2.7", srv, 1005, 20).sent == 10);
  SUBCASE("with window 1 the budget returns every second, as Knot's rrl does") {
    rrl::limiter k(rate(10, 1), nullptr, 1);
    for (uint32_t s = 0; s < 5; ++s) CHECK(ask(k, "192.0.2.7", srv, s, 50).sent == 10);
  }
  SUBCASE("a client under the rate is never limited") {
    rrl::limiter calm(rate(10, 5), nullptr, 1);
    for (uint32_t s = 0; s < 30; ++s) CHECK(ask(calm, "192.0.2.9", srv, s, 10).sent == 10);
  }
}

TEST_CASE("exempt prefixes are never limited") {
  rrl::config c = rate(2);
  std::string err;
  c.exempt.push_back(*wire::parse_prefix("10.1.0.0/16", err));
  c.exempt.push_back(*wire::parse_prefix("2001:db8::/32", err));
  rrl::limiter l(c, nullptr, 1);
  auto srv = answer_for("_sip._udp.uctest.local.", LDNS_RR_TYPE_SRV);
  CHECK(ask(l, "10.1.200.3", srv, 1, 500).sent == 500);
  CHECK(ask(l, "2001:db8:1::5", srv, 1, 500).sent == 500);
  CHECK(ask(l, "10.2.0.3", srv, 1, 10).sent == 2);
  CHECK(ask(l, "127.0.0.1", srv, 1, 10).sent == 2);  // loopback is not exempt by default
}

TEST_CASE("the slip reply: TC set, question echoed, no records, no OPT") {
  auto r = answer_for("_sip._udp.uctest.local.", LDNS_RR_TYPE_SRV, 1232);
  reply t = r;
  t.len = rrl::limiter::truncate({t.bytes.data(), t.len}, t.info);
  auto pkt = test::parse_packet(t.bytes.data(), t.len);
  REQUIRE(pkt);
  CHECK(ldns_pkt_tc(pkt.get()));
  CHECK(ldns_pkt_qr(pkt.get()));
  CHECK(ldns_pkt_aa(pkt.get()));
  CHECK(ldns_pkt_id(pkt.get()) == 4242);
  CHECK(ldns_pkt_get_rcode(pkt.get()) == LDNS_RCODE_NOERROR);
  CHECK(test::section(ldns_pkt_question(pkt.get())) ==
        std::vector<std::string>{"_sip._udp.uctest.local.\tIN\tSRV"});
  CHECK(ldns_pkt_ancount(pkt.get()) == 0);
  CHECK(ldns_pkt_nscount(pkt.get()) == 0);
  CHECK(ldns_pkt_arcount(pkt.get()) == 0);
  CHECK(t.len == 12 + 24 + 4);  // header, QNAME, QTYPE and QCLASS
  // A header without a question (FORMERR for garbage) stays a bare header.
  std::array<uint8_t, 12> bare{0, 1, 0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0};
  CHECK(rrl::limiter::truncate(bare, wire::reply_info{}) == 12);
  CHECK((bare[2] & 0x02) != 0);
}

TEST_CASE("one log line when a prefix starts being limited, one when it stops") {
  std::FILE* log = std::tmpfile();
  REQUIRE(log);
  {
    rrl::limiter l(rate(5, 3), log, 1);
    auto srv = answer_for("_sip._udp.uctest.local.", LDNS_RR_TYPE_SRV);
    for (uint32_t s = 0; s < 4; ++s) {
      ask(l, "192.0.2.7", srv, s, 100);
      ask(l, "192.0.2.99", answer_for("h1.uctest.local."), s, 100);  // same /24: same episode
      // 2 keys x (400 asked - 5 sent) limited: 2 x 197 truncated, 2 x 198 dropped
      l.tick(s);
    }
    CHECK(l.active_episodes() == 1);
    l.tick(5);  // last limited at 3: 2 quiet seconds < window
    CHECK(l.active_episodes() == 1);
    l.tick(6);
    CHECK(l.active_episodes() == 0);
  }
  std::rewind(log);
  std::string text;
  char buf[512];
  while (std::fgets(buf, sizeof buf, log)) text += buf;
  std::fclose(log);
  const size_t first = text.find('\n');
  REQUIRE(first != std::string::npos);
  CHECK(text.find('\n', first + 1) == text.size() - 1);  // two lines
  CHECK(text.starts_with("ts="));
  CHECK(text.substr(0, first + 1)
            .ends_with(" level=info event=rrl_limiting prefix=192.0.2.0/24 rate=5 slip=2\n"));
  CHECK(text.ends_with(" level=info event=rrl_stopped prefix=192.0.2.0/24 seconds=4 truncated=394 "
                       "dropped=396\n"));
}

TEST_CASE("the table is fixed: checking allocates nothing, whatever the number of keys") {
  rrl::config c = rate(5);
  c.table_size = 1000;
  rrl::limiter l(c, nullptr, 1);
  CHECK(l.table_entries() == 1024);
  std::vector<reply> replies;
  for (const char* n : {"_sip._udp.uctest.local.", "h1.uctest.local.", "nope.uctest.local.",
                        "x.child.uctest.local.", "example.org."})
    replies.push_back(answer_for(n, LDNS_RR_TYPE_SRV));
  std::vector<sockaddr_storage> clients;
  for (int i = 0; i < 4000; ++i)  // far more keys than entries: old ones are replaced
    clients.push_back(addr(("10." + std::to_string(i / 250) + "." + std::to_string(i % 250) +
                            ".1").c_str()));
  size_t before = test::allocations.load();
  size_t sent = 0;
  for (uint32_t s = 0; s < 3; ++s)
    for (const auto& cl : clients)
      for (const auto& r : replies)
        sent += l.check(sa(cl), r.span(), r.info, s) == verdict::send;
  CHECK(test::allocations.load() == before);
  CHECK(sent == 3 * clients.size() * replies.size());  // each key asked once a second
}

TEST_CASE("prefixes for --rrl-exempt") {
  std::string err;
  auto p = wire::parse_prefix("10.1.0.0/16", err);
  REQUIRE(p);
  CHECK(wire::to_string(*p) == "10.1.0.0/16");
  auto host = wire::parse_prefix("192.0.2.1", err);
  REQUIRE(host);
  CHECK(host->length == 32);
  auto six = wire::parse_prefix("2001:db8::/32", err);
  REQUIRE(six);
  CHECK(wire::to_string(*six) == "2001:db8::/32");
  CHECK_FALSE(wire::parse_prefix("10.1.2.3/24", err));
  CHECK(err == "\"10.1.2.3/24\" has host bits set; did you mean 10.1.2.0/24?");
  for (const char* bad : {"", "10.1.0.0/", "10.1.0.0/33", "2001:db8::/129", "host/8", "10.1/8",
                          "10.0.0.0/x"}) {
    CAPTURE(bad);
    CHECK_FALSE(wire::parse_prefix(bad, err));
    CHECK_FALSE(err.empty());
  }
}
