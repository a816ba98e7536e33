// The real sipdnsd as a child process of a C++ test: started on a free 127.0.0.1 port (another
// one when it loses the port to a parallel test), ready once it answers, stopped by PID.
#pragma once
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_client.hpp"

namespace sipdns::test {

// A port on which both a UDP and a TCP socket could bind on the IPv4 address `ip` just now
// (50 tries), 0 when none was found. Whoever binds it later may still lose a race for it:
// sipdnsd_process then tries another.
inline uint16_t free_port(const char* ip = "127.0.0.1") {
  sockaddr_in a = loopback(0);
  if (::inet_pton(AF_INET, ip, &a.sin_addr) != 1) return 0;
  for (int i = 0; i < 50; ++i) {
    fd_guard u(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    a.sin_port = 0;
    if (::bind(u.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) continue;
    socklen_t len = sizeof a;
    if (::getsockname(u.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) continue;
    fd_guard t(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::bind(t.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return ntohs(a.sin_port);
  }
  return 0;
}

// sipdnsd (the binary named by $SIPDNSD, else build/server/sipdnsd) with `--listen
// 127.0.0.1:PORT` and `args`; its output goes to a log file. PR_SET_PDEATHSIG kills it even
// when the test itself is killed (CTest's timeout sends SIGKILL). The constructor throws, with
// the log, when it does not answer on any of 5 ports.
class sipdnsd_process {
 public:
  explicit sipdnsd_process(std::vector<std::string> args) {
    const char* env = std::getenv("SIPDNSD");
    std::string binary = env && *env ? env : "build/server/sipdnsd";
    char tmpl[] = "/tmp/sipdns-test-XXXXXX";
    int log_fd = ::mkstemp(tmpl);
    if (log_fd < 0) throw std::runtime_error("mkstemp failed");
    log_path_ = tmpl;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      if (port_ == 0) continue;
      std::vector<std::string> argv_s = {binary, "--listen", "127.0.0.1:" + std::to_string(port_)};
      argv_s.insert(argv_s.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (std::string& s : argv_s) argv.push_back(s.data());
      argv.push_back(nullptr);
      if (::ftruncate(log_fd, 0) != 0) break;
      pid_ = ::fork();
      if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        ::execv(binary.c_str(), argv.data());
        ::_exit(127);
      }
      // Ready when it answers: at most 100 probes, 100 ms apart.
      bytes probe = {0x51, 0x51, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1};  // . SOA
      for (int i = 0; i < 100 && alive(); ++i) {
        if (udp_ask(port_, probe, 100)) {
          ::close(log_fd);
          return;
        }
        // An ICMP port unreachable ends a probe at once: wait out the rest of the 100 ms.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      stop();
    }
    ::close(log_fd);
    std::string text = log();
    ::unlink(log_path_.c_str());
    throw std::runtime_error("sipdnsd (" + binary + ") did not start:\n" + text);
  }

  sipdnsd_process(const sipdnsd_process&) = delete;
  sipdnsd_process& operator=(const sipdnsd_process&) = delete;

  ~sipdnsd_process() {
    stop();
    ::unlink(log_path_.c_str());
  }

  uint16_t port() const { return port_; }
  bool alive() {
    if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;  // reaped: gone
    return pid_ > 0;
  }
  std::string log() const {
    std::ifstream f(log_path_);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

  // SIGTERM, then SIGKILL after 3 s; always reaps the child.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 30; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string log_path_;
};

}  // namespace sipdns::test
