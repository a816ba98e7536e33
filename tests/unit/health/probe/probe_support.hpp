// Test support for the probe tests: a loop that runs one probe with a bounded wait, peer
// processes killed by PID when the test ends, temp dirs, loopback ports and addresses.
#pragma once
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "health/probe/probe.hpp"
#include "support/sipdnsd_process.hpp"

namespace probe_test {

using namespace sipdns;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

inline sockaddr_storage v4(const char* ip, uint16_t port) {
  sockaddr_storage ss{};
  auto* s = reinterpret_cast<sockaddr_in*>(&ss);
  s->sin_family = AF_INET;
  s->sin_port = htons(port);
  inet_pton(AF_INET, ip, &s->sin_addr);
  return ss;
}

// A socket bound to ip:0 (TCP listening, or UDP); the kernel completes TCP handshakes into
// the backlog, so a listening socket that never accepts is a peer that never answers.
class bound_socket {
 public:
  bound_socket(const char* ip, int type, bool listening) {
    fd_ = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_storage ss = v4(ip, 0);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in)) == 0);
    if (listening) REQUIRE(listen(fd_, 16) == 0);
    socklen_t len = sizeof ss;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  ~bound_socket() { close_now(); }
  bound_socket(const bound_socket&) = delete;
  bound_socket& operator=(const bound_socket&) = delete;
  uint16_t port() const { return port_; }
  void close_now() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A port that was free a moment ago on `ip` for both TCP and UDP (tests/support/).
inline uint16_t free_port(const char* ip) {
  uint16_t port = sipdns::test::free_port(ip);
  if (port == 0) FAIL("no free port");
  return port;
}

// True once someone holds ip:port (our own bind attempt fails with EADDRINUSE).
inline bool port_taken(const char* ip, uint16_t port, int type) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_storage ss = v4(ip, port);
  bool taken =
      bind(fd, reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in)) != 0 && errno == EADDRINUSE;
  ::close(fd);
  return taken;
}

inline bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  auto end = clock::now() + limit;
  while (clock::now() < end) {
    if (ready()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return ready();
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bool have_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

class temp_dir {
 public:
  temp_dir() {
    char t[] = "/tmp/sipdns-probe-XXXXXX";
    REQUIRE(mkdtemp(t) != nullptr);
    path_ = t;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A peer program, stdout and stderr into `log`. It dies with the test process
// (PR_SET_PDEATHSIG) and is killed by PID and reaped when this object goes away.
class peer_process {
 public:
  peer_process(const std::vector<std::string>& argv, const std::string& log) {
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int null = open("/dev/null", O_RDONLY);
      dup2(null, 0);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
  }
  ~peer_process() { stop(); }
  peer_process(const peer_process&) = delete;
  peer_process& operator=(const peer_process&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    if (pid_ <= 0) return false;
    int st;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  void stop() {
    if (!running()) return;
    kill(pid_, SIGTERM);
    if (!wait_until([&] { return !running(); }, 3s)) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// A TCP peer that answers every connection with a non-TLS line and closes. Every handle
// lives in a heap object freed in its close callback, so the server can go at any time.
class garbage_server {
 public:
  garbage_server(uv_loop_t* loop, const char* ip) : listener_(new uv_tcp_t{}) {
    uv_tcp_init(loop, listener_);
    sockaddr_storage a = v4(ip, 0);
    REQUIRE(uv_tcp_bind(listener_, reinterpret_cast<sockaddr*>(&a), 0) == 0);
    REQUIRE(uv_listen(reinterpret_cast<uv_stream_t*>(listener_), 8, on_connection) == 0);
    int len = sizeof a;
    uv_tcp_getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
  }
  ~garbage_server() {
    uv_close(reinterpret_cast<uv_handle_t*>(listener_),
             [](uv_handle_t* h) noexcept { delete reinterpret_cast<uv_tcp_t*>(h); });
  }
  garbage_server(const garbage_server&) = delete;
  garbage_server& operator=(const garbage_server&) = delete;
  uint16_t port() const { return port_; }

 private:
  struct conn {
    uv_tcp_t tcp{};
    uv_write_t write{};
  };
  static void on_connection(uv_stream_t* s, int status) noexcept {
    if (status < 0) return;
    auto* c = new conn;
    uv_tcp_init(s->loop, &c->tcp);
    c->tcp.data = c;
    c->write.data = c;
    if (uv_accept(s, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_close);
      return;
    }
    static char text[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    uv_buf_t b = uv_buf_init(text, sizeof text - 1);
    if (uv_write(&c->write, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1, on_write) != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_close);
    }
  }
  static void on_write(uv_write_t* w, int) noexcept {
    auto* c = static_cast<conn*>(w->data);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_close);
  }
  static void on_close(uv_handle_t* h) noexcept { delete static_cast<conn*>(h->data); }

  uv_tcp_t* listener_;
  uint16_t port_ = 0;
};

// Owns a loop and checks, when the test ends, that every handle is gone.
class loop_fixture {
 public:
  loop_fixture() { uv_loop_init(&loop_); }
  ~loop_fixture() {
    drain();
    uv_walk(
        &loop_,
        [](uv_handle_t* h, void*) {
          FAIL_CHECK("handle left open: " << uv_handle_type_name(h->type));
        },
        nullptr);
    CHECK(uv_loop_close(&loop_) == 0);
  }
  // Runs the loop until nothing is left to do, for at most 5 s (a leak must not hang a test).
  void drain() {
    auto end = clock::now() + 5s;
    while (uv_loop_alive(&loop_) && clock::now() < end) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      idle();
    }
  }
  loop_fixture(const loop_fixture&) = delete;
  loop_fixture& operator=(const loop_fixture&) = delete;
  uv_loop_t* loop() { return &loop_; }

  // Runs the loop until `done()` or `limit` (the probe's own timer bounds each iteration).
  void run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto end = clock::now() + limit;
    while (!done() && clock::now() < end) uv_run(&loop_, UV_RUN_NOWAIT), idle();
  }

  // One probe, start to finish, on a fresh runner.
  health::probe_result probe(const health::probe_target& t) {
    std::optional<health::probe_result> result;
    int calls = 0;
    {
      health::probe_runner runner(&loop_);
      runner.start(t, [&](const health::probe_result& r) {
        result = r;
        ++calls;
      });
      CHECK(calls == 0);  // never called from inside start()
      CHECK(runner.in_flight() == 1);
      run_until([&] { return result.has_value(); }, std::chrono::milliseconds(t.timeout_ms + 2000));
      CHECK(runner.in_flight() == 0);
    }
    drain();
    CHECK(calls == 1);
    REQUIRE(result.has_value());
    return *result;
  }

 private:
  static void idle() { std::this_thread::sleep_for(1ms); }
  uv_loop_t loop_{};
};

inline health::probe_target target(const sockaddr_storage& addr, health::probe_kind kind,
                                   health::probe_transport transport, uint32_t timeout_ms = 2000) {
  health::probe_target t;
  t.address = addr;
  t.host = "peer1.lab.test";
  t.kind = kind;
  t.transport = transport;
  t.timeout_ms = timeout_ms;
  return t;
}

}  // namespace probe_test
