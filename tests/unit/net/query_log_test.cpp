// The query log (net/query_log.hpp): recording allocates nothing, a full ring drops and counts,
// records come out in order with their fields, lines have the documented format, and the
// writer writes every record it took and reopens its file.
#include "net/query_log.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/alloc_counter.hpp"

using namespace sipdns;

namespace {
// A reply to `_sip._tcp.uctest.local. SRV` (question only), rcode as given, 80 bytes long.
std::vector<uint8_t> reply(uint8_t rcode, const char* first_label = "_sip") {
  std::vector<uint8_t> r = {0x12, 0x34, 0x84, rcode, 0, 1, 0, 0, 0, 0, 0, 0};
  for (std::string l : {std::string(first_label), std::string("_tcp"), std::string("uctest"),
                        std::string("local")}) {
    r.push_back(uint8_t(l.size()));
    r.insert(r.end(), l.begin(), l.end());
  }
  r.insert(r.end(), {0, 0, 33, 0, 1});
  r.resize(80);
  return r;
}
size_t question_end(const std::vector<uint8_t>& r) { return 12 + 24 + 4 + (r[12] - 4); }

net::client_address client4(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return net::client_address::of(reinterpret_cast<const sockaddr*>(&a));
}
}  // namespace

TEST_CASE("a full ring drops the record and counts it; draining makes room again") {
  net::query_ring ring;
  const auto r = reply(0);
  const auto c = client4("127.0.0.1", 40000);
  const size_t before = test::allocations.load();
  for (size_t i = 0; i < net::query_ring::capacity + 10; ++i)
    ring.record(r.data(), r.size(), question_end(r), false, c, 1000, 15000);
  CHECK(test::allocations.load() == before);  // recording never allocates
  CHECK(ring.dropped() == 10);
  size_t seen = 0;
  CHECK(ring.drain([&](const net::query_record&) { ++seen; }, 100) == 100);
  CHECK(seen == 100);
  ring.record(r.data(), r.size(), question_end(r), true, c, 1000, 15000);
  CHECK(ring.dropped() == 10);  // room again
  CHECK(ring.drain([](const net::query_record&) {}, SIZE_MAX) == net::query_ring::capacity - 99);
  CHECK(ring.drain([](const net::query_record&) {}, SIZE_MAX) == 0);
}

TEST_CASE("records keep their fields and order; the line format") {
  net::query_ring ring;
  const auto ok = reply(0), nx = reply(3, "a b");
  ring.record(ok.data(), ok.size(), question_end(ok), false, client4("127.0.0.1", 40000),
              1796501400123, 15400);
  ring.record(nx.data(), nx.size(), question_end(nx), true, client4("127.0.0.2", 53), 1796501400124,
              2000);
  const uint8_t runt[12] = {0, 1, 0x84, 1};
  ring.record(runt, sizeof runt, 12, false, net::client_address{}, 1796501400125, 0);
  std::vector<std::string> lines;
  ring.drain(
      [&](const net::query_record& r) {
        char buf[net::query_line_max];
        lines.emplace_back(buf, net::format_query(r, buf));
      },
      10);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] ==
        "ts=2026-12-05T20:10:00.123Z client=127.0.0.1:40000 proto=udp "
        "qname=_sip._tcp.uctest.local. qtype=SRV rcode=NOERROR size=80 us=15\n");
  CHECK(lines[1] ==
        "ts=2026-12-05T20:10:00.124Z client=127.0.0.2:53 proto=tcp "
        "qname=a\\032b._tcp.uctest.local. qtype=SRV rcode=NXDOMAIN size=80 us=2\n");
  CHECK(lines[2] ==
        "ts=2026-12-05T20:10:00.125Z client=- proto=udp qname=- qtype=- rcode=FORMERR size=12 "
        "us=0\n");
}

TEST_CASE("the writer writes every record it takes, counts them, and reopens its file") {
  char dir[] = "/tmp/query_log_test.XXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string path = std::string(dir) + "/queries.log";
  net::query_log qlog;
  std::string err;
  REQUIRE_MESSAGE(qlog.open(path, 2, err), err);
  const auto r = reply(0);
  for (size_t loop = 0; loop < 2; ++loop)
    for (int i = 0; i < 5; ++i)
      qlog.ring(loop)->record(r.data(), r.size(), question_end(r), loop == 1,
                              client4("127.0.0.1", 1000), 0, 0);
  CHECK(qlog.ring(2) == nullptr);
  qlog.write_pass();
  CHECK(qlog.lines() == 10);
  CHECK(qlog.dropped() == 0);
  const std::string rotated = path + ".1";
  REQUIRE(std::rename(path.c_str(), rotated.c_str()) == 0);
  qlog.reopen();
  qlog.ring(0)->record(r.data(), r.size(), question_end(r), false, client4("127.0.0.1", 1), 0, 0);
  qlog.stop();  // the last pass reopens, then writes the new record
  auto count = [](const std::string& p) {
    std::ifstream in(p);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) n += line.starts_with("ts=") ? 1 : 0;
    return n;
  };
  CHECK(count(rotated) == 10);
  CHECK(count(path) == 1);
  CHECK(qlog.lines() == 11);
  std::remove(path.c_str());
  std::remove(rotated.c_str());
  ::rmdir(dir);
}
