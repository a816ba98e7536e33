// The operators' HTTP server: its own thread and loop; bounded requests, one per connection.
#include "http/server.hpp"

#include <netinet/in.h>
#include <uv.h>

#include <cstring>
#include <set>
#include <thread>

#include "log/thread_name.hpp"

namespace sipdns::http {
namespace {

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

std::string serialize(const response& r, bool head) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) +
                    "\r\nContent-Type: " + r.content_type +
                    "\r\nContent-Length: " + std::to_string(r.body.size()) +
                    "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff"
                    "\r\nConnection: close\r\n\r\n";
  if (!head) out += r.body;
  return out;
}

response plain(int status, std::string text) { return {status, "text/plain; charset=utf-8", std::move(text) + "\n"}; }

}  // namespace

bool is_loopback(const sockaddr* sa) {
  if (sa->sa_family == AF_INET)
    return (ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr) >> 24) == 127;
  if (sa->sa_family != AF_INET6) return false;
  const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
  if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
  return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
}

struct server::impl {
  struct conn {
    impl* owner = nullptr;
    uv_tcp_t tcp{};
    uv_timer_t timer{};
    uv_write_t wr{};
    std::string in, out;
    int open = 0;  // handles not yet closed
    bool responded = false;
  };

  uv_loop_t loop{};
  uv_tcp_t listener{};
  uv_async_t stopper{};
  std::thread thread;
  config cfg;
  handler on_request;
  std::set<conn*> conns;
  bool running = false;

  static void on_closed(uv_handle_t* h) {
    auto* c = static_cast<conn*>(h->data);
    if (--c->open == 0) delete c;
  }
  void close(conn* c) {
    if (!conns.erase(c)) return;
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), on_closed);
  }
  void respond(conn* c, const response& r, bool head) {
    if (c->responded) return;
    c->responded = true;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
    c->out = serialize(r, head);
    uv_buf_t b = uv_buf_init(c->out.data(), unsigned(c->out.size()));
    c->wr.data = c;
    if (uv_write(&c->wr, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1, [](uv_write_t* w, int) {
          auto* cn = static_cast<conn*>(w->data);
          cn->owner->close(cn);
        }) < 0)
      close(c);
  }
  // The request head is complete: route it.
  void handle(conn* c, std::string_view head) {
    const size_t sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
        head.substr(sp2 + 1, 7) != "HTTP/1.")
      return respond(c, plain(400, "bad request line"), false);
    const std::string_view method = head.substr(0, sp1);
    std::string_view path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    if (method != "GET" && method != "HEAD") return respond(c, plain(405, "GET or HEAD only"), false);
    if (size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    response r;
    try {
      r = on_request(path);
    } catch (const std::exception& e) {
      r = plain(500, e.what());
    }
    respond(c, r, method == "HEAD");
  }
  void on_data(conn* c, const char* data, size_t n) {
    c->in.append(data, n);
    const size_t end = c->in.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (c->in.size() > cfg.max_request) respond(c, plain(431, "request head over 8 KiB"), false);
      return;
    }
    if (end > cfg.max_request) return respond(c, plain(431, "request head over 8 KiB"), false);
    handle(c, std::string_view(c->in).substr(0, c->in.find("\r\n")));
  }
  bool allowed(const sockaddr* sa) const {
    if (is_loopback(sa)) return true;
    for (const wire::prefix& p : cfg.allow)
      if (p.contains(sa)) return true;
    return false;
  }
  void accept_one() {
    auto* c = new conn;
    c->owner = this;
    c->tcp.data = c->timer.data = c;
    uv_tcp_init(&loop, &c->tcp);
    uv_timer_init(&loop, &c->timer);
    c->open = 2;
    conns.insert(c);
    sockaddr_storage peer{};
    int len = sizeof peer;
    if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener), reinterpret_cast<uv_stream_t*>(&c->tcp)) < 0 ||
        conns.size() > cfg.max_connections ||
        uv_tcp_getpeername(&c->tcp, reinterpret_cast<sockaddr*>(&peer), &len) < 0)
      return close(c);  // over the cap: closed at once, the ones already in keep their turn
    if (!allowed(reinterpret_cast<sockaddr*>(&peer))) return respond(c, plain(403, "not in --http-allow"), false);
    uv_timer_start(&c->timer, [](uv_timer_t* t) {
      auto* cn = static_cast<conn*>(t->data);
      cn->owner->close(cn);
    }, cfg.request_timeout_ms, 0);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp),
                  [](uv_handle_t*, size_t, uv_buf_t* b) {
                    static thread_local char buf[4096];  // the HTTP thread's only reader
                    *b = uv_buf_init(buf, sizeof buf);
                  },
                  [](uv_stream_t* s, ssize_t n, const uv_buf_t* b) {
                    auto* cn = static_cast<conn*>(s->data);
                    if (n < 0) return cn->owner->close(cn);
                    if (n > 0) cn->owner->on_data(cn, b->base, size_t(n));
                  });
  }
  void shut() {
    while (!conns.empty()) close(*conns.begin());
    uv_close(reinterpret_cast<uv_handle_t*>(&listener), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&stopper), nullptr);
  }
};

server::server() = default;
server::~server() { stop(); }

bool server::start(const config& cfg, handler h, std::string& err) {
  auto p = std::make_unique<impl>();
  p->cfg = cfg;
  p->on_request = std::move(h);
  if (int r = uv_loop_init(&p->loop); r < 0) {
    err = uv_strerror(r);
    return false;
  }
  p->listener.data = p->stopper.data = p.get();
  uv_tcp_init(&p->loop, &p->listener);
  uv_async_init(&p->loop, &p->stopper, [](uv_async_t* a) { static_cast<impl*>(a->data)->shut(); });
  int r = uv_tcp_bind(&p->listener, cfg.listen.sa(), 0);
  if (r == 0)
    r = uv_listen(reinterpret_cast<uv_stream_t*>(&p->listener), 128, [](uv_stream_t* s, int status) {
      if (status == 0) static_cast<impl*>(s->data)->accept_one();
    });
  if (r < 0) {
    err = "--http " + net::to_string(cfg.listen.sa()) + ": " + uv_strerror(r);
    p->shut();
    uv_run(&p->loop, UV_RUN_DEFAULT);
    uv_loop_close(&p->loop);
    return false;
  }
  impl* raw = p.get();
  p->thread = std::thread([raw] {
    log::name_this_thread("http");
    uv_run(&raw->loop, UV_RUN_DEFAULT);
    uv_loop_close(&raw->loop);
  });
  p->running = true;
  impl_ = std::move(p);
  return true;
}

void server::stop() {
  if (!impl_ || !impl_->running) return;
  uv_async_send(&impl_->stopper);
  impl_->thread.join();
  impl_->running = false;
}

}  // namespace sipdns::http
