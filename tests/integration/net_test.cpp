// The net module in-process: listen addresses, and a server on an ephemeral loopback port that
// answers over UDP and TCP and then closes every handle (uv_loop_close() == 0).
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "compile/build.hpp"
#include "net/address.hpp"
#include "net/server.hpp"
#include "support/dns_packet.hpp"
#include "support/raw_client.hpp"

using namespace sipdns;

namespace {

// A query for www.example.org A (outside every zone, so REFUSED whatever the snapshot).
std::vector<uint8_t> query(uint16_t id) {
  auto q = test::query("www.example.org", test::type::a);
  test::put16(q, 0, id);
  return q;
}

// Reads exactly n bytes with a bounded wait; false on timeout, EOF or error.
bool read_n(int fd, uint8_t* p, size_t n) { return test::read_n(fd, p, n, 3000); }

// True when the peer closes within the bounded wait.
bool sees_eof(int fd) {
  pollfd pfd{fd, POLLIN, 0};
  if (poll(&pfd, 1, 3000) <= 0) return false;
  uint8_t b;
  return ::read(fd, &b, 1) == 0;
}

struct async_close {
  uv_async_t async{};
  net::server* srv = nullptr;
  static void on_async(uv_async_t* a) noexcept {
    auto* self = static_cast<async_close*>(a->data);
    self->srv->close();
    uv_close(reinterpret_cast<uv_handle_t*>(a), nullptr);  // lives on the test's stack
  }
};

}  // namespace

TEST_CASE("listen addresses") {
  std::string err;
  auto v4 = net::parse_endpoint("127.0.0.1:5353", err);
  REQUIRE(v4);
  CHECK(v4->family() == AF_INET);
  CHECK(net::to_string(v4->sa()) == "127.0.0.1:5353");
  auto v6 = net::parse_endpoint("[::1]:53", err);
  REQUIRE(v6);
  CHECK(v6->family() == AF_INET6);
  CHECK(net::to_string(v6->sa()) == "[::1]:53");
  for (const char* bad : {"127.0.0.1", "::1:53", "[::1]", "[::1]53", "127.0.0.1:", "127.0.0.1:x",
                          "127.0.0.1:65536", "localhost:53", "1.2.3:53", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(net::parse_endpoint(bad, err));
    CHECK_FALSE(err.empty());
  }
}

TEST_CASE("server answers over UDP and TCP, then closes every handle") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  {
    net::server_config cfg;
    std::string err;
    cfg.listen.push_back(*net::parse_endpoint("127.0.0.1:0", err));
    cfg.tcp_max_connections = 2;
    net::server srv(&loop, cfg, compile::build({}));
    REQUIRE(srv.start(err));
    REQUIRE(srv.udp_endpoints().size() == 1);
    REQUIRE(srv.tcp_endpoints().size() == 1);
    net::endpoint udp_ep = srv.udp_endpoints()[0], tcp_ep = srv.tcp_endpoints()[0];

    async_close closer;
    closer.srv = &srv;
    closer.async.data = &closer;
    REQUIRE(uv_async_init(&loop, &closer.async, async_close::on_async) == 0);

    // The client runs on its own thread with blocking sockets and bounded waits; the loop
    // runs here until the client asks it to shut down.
    std::atomic<int> failures{0};
    std::vector<std::string> notes;
    auto expect = [&](bool ok, const char* what) {
      if (!ok) {
        ++failures;
        notes.push_back(what);
      }
    };
    std::thread client([&] {
      // UDP: one query, one REFUSED answer with our ID.
      int u = ::socket(AF_INET, SOCK_DGRAM, 0);
      auto q = query(0x4242);
      ::sendto(u, q.data(), q.size(), 0, udp_ep.sa(), sizeof(sockaddr_in));
      uint8_t buf[1500];
      pollfd pfd{u, POLLIN, 0};
      bool got = poll(&pfd, 1, 3000) == 1;
      ssize_t n = got ? ::recv(u, buf, sizeof buf, 0) : -1;
      expect(n >= 12 && buf[0] == 0x42 && buf[1] == 0x42 && (buf[3] & 0x0f) == 5,
             "UDP REFUSED with the query's id");
      ::close(u);

      // TCP: two pipelined queries in one write, two answers in order.
      int t = ::socket(AF_INET, SOCK_STREAM, 0);
      expect(::connect(t, tcp_ep.sa(), sizeof(sockaddr_in)) == 0, "TCP connect");
      std::vector<uint8_t> frames;
      for (uint16_t id : {1, 2}) {
        auto qq = query(id);
        frames.push_back(0);
        frames.push_back(uint8_t(qq.size()));
        frames.insert(frames.end(), qq.begin(), qq.end());
      }
      expect(::write(t, frames.data(), frames.size()) == ssize_t(frames.size()), "TCP write");
      for (uint16_t id : {1, 2}) {
        uint8_t len[2], msg[512];
        bool ok = read_n(t, len, 2);
        size_t l = size_t(len[0] << 8 | len[1]);
        ok = ok && l >= 12 && l <= sizeof msg && read_n(t, msg, l);
        expect(ok && (msg[0] << 8 | msg[1]) == id, "TCP answers in order");
      }
      // A second connection fills the cap of 2; a third closes the least recently active
      // one, t (its queries came before t2 connected).
      int t2 = ::socket(AF_INET, SOCK_STREAM, 0);
      expect(::connect(t2, tcp_ep.sa(), sizeof(sockaddr_in)) == 0, "second TCP connect");
      int t3 = ::socket(AF_INET, SOCK_STREAM, 0);
      expect(::connect(t3, tcp_ep.sa(), sizeof(sockaddr_in)) == 0, "third TCP connect");
      expect(sees_eof(t), "at the cap the least recently active connection is closed");
      // One answer on t3 first, so the server is reading it (not merely accepted) when the
      // half frame arrives; data unread at close would turn the FIN into a reset.
      {
        auto qq = query(3);
        std::vector<uint8_t> f = {0, uint8_t(qq.size())};
        f.insert(f.end(), qq.begin(), qq.end());
        uint8_t len[2], msg[512];
        expect(::write(t3, f.data(), f.size()) == ssize_t(f.size()) && read_n(t3, len, 2) &&
                   read_n(t3, msg, size_t(len[0] << 8 | len[1])),
               "the new connection is answered");
      }
      // Half a frame stays pending in the server while it shuts down.
      expect(::write(t3, "\x00\x20\x01", 3) == 3, "partial frame");
      uv_async_send(&closer.async);
      expect(sees_eof(t3), "shutdown closes open connections");
      expect(sees_eof(t2), "shutdown closes idle connections");
      ::close(t);
      ::close(t2);
      ::close(t3);
    });
    uv_run(&loop, UV_RUN_DEFAULT);
    client.join();
    CHECK(failures == 0);
    for (auto& n : notes) MESSAGE("failed: " << n);
  }
  CHECK(uv_loop_close(&loop) == 0);
}
