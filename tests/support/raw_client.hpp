// A raw DNS client for tests: one query over UDP or TCP (RFC 1035 4.2.2 framing) to a
// loopback port, each on a fresh socket, every wait bounded.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace sipdns::test {

using bytes = std::vector<uint8_t>;

// Closes a socket when it goes out of scope.
struct fd_guard {
  int fd;
  explicit fd_guard(int f) : fd(f) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() { if (fd >= 0) ::close(fd); }
};

inline sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// One query on a fresh connected socket, so a late reply to another case cannot be mistaken
// for this one's. nullopt when nothing arrives within the timeout.
inline std::optional<bytes> udp_ask(uint16_t port, const bytes& q, int timeout_ms = 2000) {
  fd_guard s(::socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in a = loopback(port);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return std::nullopt;
  if (::send(s.fd, q.data(), q.size(), 0) != ssize_t(q.size())) return std::nullopt;
  pollfd p{s.fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
  bytes r(65535);
  ssize_t n = ::recv(s.fd, r.data(), r.size(), 0);
  if (n < 0) return std::nullopt;
  r.resize(size_t(n));
  return r;
}

// Reads exactly n bytes, each read waiting at most timeout_ms; false on timeout, EOF or error.
inline bool read_n(int fd, uint8_t* p, size_t n, int timeout_ms = 2000) {
  for (int rounds = 0; n > 0 && rounds < 1000; ++rounds) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) <= 0) return false;
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return n == 0;
}

// RFC 1035 4.2.2: two-byte length prefix.
inline std::optional<bytes> tcp_ask(uint16_t port, const bytes& q) {
  fd_guard s(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a = loopback(port);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return std::nullopt;
  bytes framed = {uint8_t(q.size() >> 8), uint8_t(q.size())};
  framed.insert(framed.end(), q.begin(), q.end());
  if (::send(s.fd, framed.data(), framed.size(), MSG_NOSIGNAL) != ssize_t(framed.size()))
    return std::nullopt;
  uint8_t len[2];
  if (!read_n(s.fd, len, 2)) return std::nullopt;
  bytes r(size_t(len[0]) << 8 | len[1]);
  if (!read_n(s.fd, r.data(), r.size())) return std::nullopt;
  return r;
}

}  // namespace sipdns::test
