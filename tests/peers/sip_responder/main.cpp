// sip_responder: a small SIP peer for tests that answers every request (except ACK) with a
// configurable status over UDP, TCP or TLS; SIGUSR1 toggles between that status and 200.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sip_message.hpp"

namespace {

volatile sig_atomic_t toggle_requested = 0;
volatile sig_atomic_t stop_requested = 0;
void on_usr1(int) { toggle_requested = 1; }
void on_term(int) { stop_requested = 1; }

struct options {
  std::string listen = "127.0.0.1:5060";
  std::string transport = "udp";
  uint16_t code = 200;
  std::optional<uint32_t> retry_after;
  std::string cert, key, port_file;
  bool trying = false;  // send 100 Trying before the final response
  int drop = 0;         // ignore the first N requests (to exercise retransmissions)
  std::string times;    // append each request's arrival (CLOCK_REALTIME, us) to this file
  // --any-loopback: bind the wildcard address (one socket for every 127.x.y.z), but answer
  // only sources in 127.0.0.0/8: a bench of thousands of peers, never a packet off the host.
  bool any_loopback = false;
  size_t max_connections = 64;  // more are closed at once (a bench raises it)
  bool log_connections = false;  // one stderr line per accepted connection (tests count them)
};

bool is_loopback(const sockaddr_storage& ss) {
  if (ss.ss_family != AF_INET) return false;
  return (ntohl(reinterpret_cast<const sockaddr_in&>(ss).sin_addr.s_addr) >> 24) == 127;
}

// --times: one line per request answered, for bench/prober_scale.py's send-time histogram.
FILE* times_file = nullptr;
void note_time() {
  if (!times_file) return;
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  std::fprintf(times_file, "%lld\n", static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000);
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "sip_responder: %s\nusage: sip_responder --listen IP:PORT --transport udp|tcp|tls "
               "--code N [--retry-after S] [--cert F --key F] [--port-file F] [--trying] "
               "[--drop N] [--times F] [--any-loopback] [--max-connections N] [--log-connections]\n",
               why);
  std::exit(2);
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--listen")
      o.listen = next();
    else if (a == "--transport")
      o.transport = next();
    else if (a == "--code")
      o.code = static_cast<uint16_t>(std::stoi(next()));
    else if (a == "--retry-after")
      o.retry_after = static_cast<uint32_t>(std::stoul(next()));
    else if (a == "--cert")
      o.cert = next();
    else if (a == "--key")
      o.key = next();
    else if (a == "--port-file")
      o.port_file = next();
    else if (a == "--trying")
      o.trying = true;
    else if (a == "--drop")
      o.drop = std::stoi(next());
    else if (a == "--times")
      o.times = next();
    else if (a == "--any-loopback")
      o.any_loopback = true;
    else if (a == "--max-connections")
      o.max_connections = std::stoul(next());
    else if (a == "--log-connections")
      o.log_connections = true;
    else
      usage(("unknown option " + a).c_str());
  }
  if (o.transport != "udp" && o.transport != "tcp" && o.transport != "tls") usage("bad transport");
  if (o.code < 100 || o.code > 699) usage("code must be 100..699");
  if (o.transport == "tls" && (o.cert.empty() || o.key.empty()))
    usage("tls needs --cert and --key");
  return o;
}

bool parse_listen(const std::string& text, sockaddr_storage& ss, socklen_t& len) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = text.substr(0, colon);
  int port = std::atoi(text.c_str() + colon + 1);
  if (port < 0 || port > 65535) return false;
  std::memset(&ss, 0, sizeof ss);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *s6;
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &s6->sin6_addr) == 1;
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(static_cast<uint16_t>(port));
  len = sizeof *s4;
  return inet_pton(AF_INET, host.c_str(), &s4->sin_addr) == 1;
}

std::string ip_of(const sockaddr_storage& ss, uint16_t& port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    auto& s6 = reinterpret_cast<const sockaddr_in6&>(ss);
    inet_ntop(AF_INET6, &s6.sin6_addr, buf, sizeof buf);
    port = ntohs(s6.sin6_port);
  } else {
    auto& s4 = reinterpret_cast<const sockaddr_in&>(ss);
    inet_ntop(AF_INET, &s4.sin_addr, buf, sizeof buf);
    port = ntohs(s4.sin_port);
  }
  return buf;
}

struct ssl_free {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct ctx_free {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

struct connection {
  int fd = -1;
  std::unique_ptr<SSL, ssl_free> ssl;
  bool handshake_done = false;
  std::string in;
};

class responder {
 public:
  explicit responder(options o) : o_(std::move(o)), rng_(std::random_device{}()) {}

  int run();

 private:
  uint16_t current_code() const { return answering_configured_ ? o_.code : 200; }
  // The responses for one request; empty for ACK and dropped requests.
  std::vector<std::string> answer(std::string_view message, const sockaddr_storage* from);
  void serve_udp();
  bool accept_connection();  // false: nothing (more) to accept
  bool serve_connection(connection& c);  // false: close it
  bool write_all(connection& c, const std::string& data);

  options o_;
  std::mt19937_64 rng_;
  bool answering_configured_ = true;
  int dropped_ = 0;
  int listen_fd_ = -1;
  int epoll_ = -1;  // the listening socket (data.ptr null) and every connection
  std::unique_ptr<SSL_CTX, ctx_free> ctx_;
  std::vector<std::unique_ptr<connection>> conns_;
};

std::vector<std::string> responder::answer(std::string_view message, const sockaddr_storage* from) {
  auto req = sip_responder::parse_request(message);
  if (!req || req->method == "ACK") return {};  // responses and ACKs get no response
  note_time();
  if (dropped_ < o_.drop) {
    ++dropped_;
    std::fprintf(stderr, "sip_responder: dropped request %d\n", dropped_);
    return {};
  }
  sip_responder::answer_options a;
  a.code = current_code();
  a.retry_after = o_.retry_after;
  char tag[17];
  std::snprintf(tag, sizeof tag, "%016llx", static_cast<unsigned long long>(rng_()));
  a.to_tag = tag;
  if (from != nullptr) a.received_ip = ip_of(*from, a.received_port);
  std::vector<std::string> out;
  if (o_.trying) {
    sip_responder::answer_options t = a;
    t.code = 100;
    out.push_back(sip_responder::build_response(*req, t));
  }
  out.push_back(sip_responder::build_response(*req, a));
  return out;
}

void responder::serve_udp() {
  char buf[65536];
  for (;;) {
    sockaddr_storage from{};
    // With --any-loopback the reply must come from the address the request went to (the
    // prober's socket is connected to it): IP_PKTINFO says which, and sets it on the reply.
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(listen_fd_, &msg, 0);
    if (n <= 0) return;
    if (o_.any_loopback && !is_loopback(from)) continue;
    socklen_t flen = msg.msg_namelen;
    // RFC 3581 section 4: answer to the source address and port of the request.
    for (const auto& r : answer(std::string_view(buf, static_cast<size_t>(n)), &from)) {
      iovec out{const_cast<char*>(r.data()), r.size()};
      msghdr reply{};
      reply.msg_name = &from;
      reply.msg_namelen = flen;
      reply.msg_iov = &out;
      reply.msg_iovlen = 1;
      if (o_.any_loopback) {  // the received pktinfo, sent back as the source address
        reply.msg_control = control;
        reply.msg_controllen = msg.msg_controllen;
      }
      sendmsg(listen_fd_, &reply, 0);
    }
  }
}

bool responder::accept_connection() {
  sockaddr_storage peer{};
  socklen_t plen = sizeof peer;
  int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &plen,
                   SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return false;
  if (o_.any_loopback && !is_loopback(peer)) {
    close(fd);
    return true;
  }
  if (conns_.size() >= o_.max_connections) {
    close(fd);
    return true;
  }
  auto c = std::make_unique<connection>();
  c->fd = fd;
  if (ctx_) {
    c->ssl.reset(SSL_new(ctx_.get()));
    SSL_set_fd(c->ssl.get(), fd);
    SSL_set_accept_state(c->ssl.get());
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = c.get();
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) < 0) {
    close(fd);
    return true;
  }
  conns_.push_back(std::move(c));
  if (o_.log_connections) {
    uint16_t port = 0;
    std::string ip = ip_of(peer, port);
    std::fprintf(stderr, "sip_responder: connection from %s port %u\n", ip.c_str(), port);
  }
  return true;
}

bool responder::write_all(connection& c, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n;
    if (c.ssl) {
      int r = SSL_write(c.ssl.get(), data.data() + off, static_cast<int>(data.size() - off));
      n = r > 0 ? r : -1;
      if (r <= 0 && SSL_get_error(c.ssl.get(), r) != SSL_ERROR_WANT_WRITE) return false;
    } else {
      n = send(c.fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    }
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    pollfd p{c.fd, POLLOUT, 0};
    if (poll(&p, 1, 1000) <= 0) return false;  // a peer that never reads is dropped
  }
  return true;
}

bool responder::serve_connection(connection& c) {
  if (c.ssl && !c.handshake_done) {
    ERR_clear_error();
    int r = SSL_accept(c.ssl.get());
    if (r != 1) {
      int e = SSL_get_error(c.ssl.get(), r);
      return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
    }
    c.handshake_done = true;
  }
  char buf[16384];
  for (;;) {
    ssize_t n;
    if (c.ssl) {
      ERR_clear_error();
      int r = SSL_read(c.ssl.get(), buf, sizeof buf);
      if (r <= 0) {
        int e = SSL_get_error(c.ssl.get(), r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
        return false;
      }
      n = r;
    } else {
      n = recv(c.fd, buf, sizeof buf, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
      if (n <= 0) return false;
    }
    c.in.append(buf, static_cast<size_t>(n));
  }
  for (;;) {
    size_t skip = 0;
    auto len = sip_responder::frame(c.in, skip);
    if (!len) return false;  // not SIP: RFC 3261 section 18.3 says close the connection
    c.in.erase(0, skip);
    if (*len == 0) return true;
    for (const auto& r : answer(std::string_view(c.in).substr(0, *len), nullptr)) {
      if (!write_all(c, r)) return false;
    }
    c.in.erase(0, *len);
  }
}

int responder::run() {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (!parse_listen(o_.listen, ss, len)) usage("bad --listen (IP:PORT or [IPv6]:PORT)");
  if (o_.any_loopback) {
    if (ss.ss_family != AF_INET) usage("--any-loopback takes an IPv4 --listen (its port)");
    reinterpret_cast<sockaddr_in&>(ss).sin_addr.s_addr = htonl(INADDR_ANY);
  }
  if (!o_.times.empty() && !(times_file = std::fopen(o_.times.c_str(), "a"))) usage("cannot open --times file");
  if (o_.transport == "tls") {
    ctx_.reset(SSL_CTX_new(TLS_server_method()));
    if (SSL_CTX_use_certificate_chain_file(ctx_.get(), o_.cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_.get(), o_.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      std::fprintf(stderr, "sip_responder: cannot load %s / %s\n", o_.cert.c_str(), o_.key.c_str());
      return 1;
    }
  }
  bool udp = o_.transport == "udp";
  listen_fd_ =
      socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (!udp) setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (udp && o_.any_loopback) setsockopt(listen_fd_, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) < 0 ||
      (!udp && listen(listen_fd_, SOMAXCONN) < 0)) {
    std::fprintf(stderr, "sip_responder: %s: %s\n", o_.listen.c_str(), std::strerror(errno));
    return 1;
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &blen);
  uint16_t port = 0;
  std::string ip = ip_of(bound, port);
  if (!o_.port_file.empty()) {
    // Written then renamed, so a reader never sees a partial number.
    std::string tmp = o_.port_file + ".tmp";
    if (FILE* f = std::fopen(tmp.c_str(), "w")) {
      std::fprintf(f, "%u\n", port);
      std::fclose(f);
      std::rename(tmp.c_str(), o_.port_file.c_str());
    }
  }
  std::fprintf(stderr, "sip_responder: listening on %s port %u (%s), answering %u\n", ip.c_str(),
               port, o_.transport.c_str(), o_.code);

  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.ptr = nullptr;
  if (epoll_ < 0 || epoll_ctl(epoll_, EPOLL_CTL_ADD, listen_fd_, &lev) < 0) return 1;
  std::vector<epoll_event> events(256);
  while (!stop_requested) {
    if (toggle_requested) {
      toggle_requested = 0;
      answering_configured_ = !answering_configured_;
      std::fprintf(stderr, "sip_responder: now answering %u\n", current_code());
    }
    // epoll, not poll: a bench keeps thousands of connections open.
    int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 1000);
    if (n < 0 && errno != EINTR) return 1;
    bool closed = false;
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<connection*>(events[i].data.ptr);
      if (c == nullptr) {
        if (udp)
          serve_udp();
        else
          for (size_t k = 0; k < 64 && accept_connection(); ++k) {
          }
        continue;
      }
      if (c->fd >= 0 && !serve_connection(*c)) {
        close(c->fd);  // also leaves the epoll set
        c->fd = -1;
        closed = true;
      }
    }
    if (closed) std::erase_if(conns_, [](const auto& c) { return c->fd < 0; });
  }
  for (auto& c : conns_) close(c->fd);
  close(listen_fd_);
  close(epoll_);
  if (times_file) std::fclose(times_file);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o = parse_args(argc, argv);
  struct sigaction sa {};
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, nullptr);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return responder(std::move(o)).run();
}
