// tcp_hold: opens many TCP connections to a DNS server and holds them idle, with half a
// frame, or flooded with queries it never reads; reports how many the server has closed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// Bounds, so that a typo cannot turn the helper into a flood.
constexpr long max_count = 20000;
constexpr long max_hold_s = 300;
constexpr size_t max_flood_bytes = 64 << 20;

class socket_fd {
 public:
  explicit socket_fd(int fd) : fd_(fd) {}
  socket_fd(socket_fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  socket_fd(const socket_fd&) = delete;
  socket_fd& operator=(const socket_fd&) = delete;
  socket_fd& operator=(socket_fd&&) = delete;
  ~socket_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

struct options {
  std::string server = "127.0.0.1";
  int port = 0;
  long count = 1;
  std::string from;  // first source address; empty = let the kernel choose
  long sources = 1;  // connection i binds to from + (i % sources) in the last octet
  std::string mode = "idle";
  std::string query = "example.";
  long hold_s = 10;
  long report_ms = 250;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "tcp_hold: %s\n"
               "usage: tcp_hold --port P [--server 127.0.0.1] [--count N] [--from 127.0.0.2\n"
               "                [--sources S]] [--mode idle|half|flood] [--query NAME]\n"
               "                [--hold SECONDS] [--report-ms MS]\n",
               why);
  std::exit(2);
}

long number(const char* s, long lo, long hi, const char* flag) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) usage(flag);
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) usage("every option takes a value");
    const char* v = argv[++i];
    if (a == "--server") o.server = v;
    else if (a == "--port") o.port = int(number(v, 1, 65535, "--port"));
    else if (a == "--count") o.count = number(v, 1, max_count, "--count");
    else if (a == "--from") o.from = v;
    else if (a == "--sources") o.sources = number(v, 1, 250, "--sources");
    else if (a == "--mode") o.mode = v;
    else if (a == "--query") o.query = v;
    else if (a == "--hold") o.hold_s = number(v, 0, max_hold_s, "--hold");
    else if (a == "--report-ms") o.report_ms = number(v, 10, 10000, "--report-ms");
    else usage("unknown option");
  }
  if (o.port == 0) usage("--port is required");
  if (o.mode != "idle" && o.mode != "half" && o.mode != "flood") usage("bad --mode");
  return o;
}

// One framed query for `name` IN A (RFC 1035 4.2.2 length prefix).
std::vector<uint8_t> query_frame(const std::string& name, uint16_t id) {
  std::vector<uint8_t> m = {uint8_t(id >> 8), uint8_t(id), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    m.push_back(uint8_t(dot - start));
    m.insert(m.end(), name.begin() + long(start), name.begin() + long(dot));
    start = dot + 1;
  }
  m.insert(m.end(), {0, 0, 1, 0, 1});
  std::vector<uint8_t> f = {uint8_t(m.size() >> 8), uint8_t(m.size())};
  f.insert(f.end(), m.begin(), m.end());
  return f;
}

bool established(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  // The state, not a read: a flooding client must not consume the answers it ignores.
  return ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
         info.tcpi_state == TCP_ESTABLISHED;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(uint16_t(o.port));
  in_addr from{};
  if (::inet_pton(AF_INET, o.server.c_str(), &dst.sin_addr) != 1) usage("bad --server");
  // Loopback only: this helper exists to hurt a server, and only ours.
  if ((ntohl(dst.sin_addr.s_addr) >> 24) != 127) usage("--server must be in 127.0.0.0/8");
  if (!o.from.empty() && ::inet_pton(AF_INET, o.from.c_str(), &from) != 1) usage("bad --from");

  const std::vector<uint8_t> frame = query_frame(o.query, 0x1234);
  std::vector<socket_fd> conns;
  conns.reserve(size_t(o.count));
  size_t flooded = 0;
  // Times count from the first connect: a flood fills the buffers for a while on a loaded
  // machine, and the server's write deadline starts inside that while, not after it.
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < o.count; ++i) {
    socket_fd s(::socket(AF_INET, SOCK_STREAM, 0));
    if (s.get() < 0) {
      std::fprintf(stderr, "tcp_hold: socket: %s (after %ld)\n", std::strerror(errno), i);
      return 1;
    }
    if (!o.from.empty()) {
      sockaddr_in src{};
      src.sin_family = AF_INET;
      src.sin_addr.s_addr = htonl(ntohl(from.s_addr) + uint32_t(i % o.sources));
      if (::bind(s.get(), reinterpret_cast<sockaddr*>(&src), sizeof src) < 0) {
        std::fprintf(stderr, "tcp_hold: bind: %s\n", std::strerror(errno));
        return 1;
      }
    }
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&dst), sizeof dst) < 0) {
      std::fprintf(stderr, "tcp_hold: connect: %s (after %ld)\n", std::strerror(errno), i);
      return 1;
    }
    if (o.mode == "half") {
      const uint8_t half[] = {0x00, 0x20, 0x12, 0x34};  // 32 bytes announced, 2 sent
      if (::send(s.get(), half, sizeof half, 0) < 0) return 1;
    } else if (o.mode == "flood") {
      ::fcntl(s.get(), F_SETFL, O_NONBLOCK);
      // Until the kernel buffers on both sides are full: the server has stopped reading.
      size_t sent = 0;
      while (sent < max_flood_bytes) {
        ssize_t n = ::send(s.get(), frame.data(), frame.size(), MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += size_t(n);
      }
      flooded += sent;
    }
    conns.push_back(std::move(s));
  }
  std::printf("connected %zu flooded_bytes=%zu\n", conns.size(), flooded);
  std::fflush(stdout);

  const auto end = t0 + std::chrono::seconds(o.hold_s);
  for (;;) {
    size_t open = 0;
    for (const auto& s : conns) open += established(s.get());
    long ms = long(std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - t0)
                       .count());
    std::printf("t=%ld open=%zu closed=%zu\n", ms, open, conns.size() - open);
    std::fflush(stdout);
    if (open == 0 || std::chrono::steady_clock::now() >= end) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(o.report_ms));
  }
  return 0;
}
