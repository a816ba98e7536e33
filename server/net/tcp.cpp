// DNS over TCP (RFC 7766): length-framed queries, pipelined, answered in order.
#include "net/tcp.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "answer/answer.hpp"
#include "log/log.hpp"
#include "net/server.hpp"
#include "net/tcp_frames.hpp"
#include "wire/constants.hpp"

namespace sipdns::net {

namespace {
using uv::as_handle;
using uv::as_stream;

client_key key_of(const sockaddr_storage& ss) {
  client_key k;
  k.bytes[0] = uint8_t(ss.ss_family);
  if (ss.ss_family == AF_INET) {
    std::memcpy(&k.bytes[1], &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, 4);
  } else if (ss.ss_family == AF_INET6) {
    std::memcpy(&k.bytes[1], &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, 8);  // /64
  }
  return k;
}
}  // namespace

size_t client_key_hash::operator()(const client_key& k) const noexcept {
  uint64_t h = 0xcbf29ce484222325;  // FNV-1a: nine bytes, no need for more
  for (uint8_t b : k.bytes) h = (h ^ b) * 0x100000001b3;
  return size_t(h);
}

// ---- listener ------------------------------------------------------------------------------

uv::handle_ptr<tcp_listener> tcp_listener::open(server& srv, const endpoint& ep,
                                                std::string& err) {
  uv::handle_ptr<tcp_listener> l(new tcp_listener(srv));
  const std::string where = "tcp " + to_string(ep.sa());
  if (int r = l->adopt(&l->handle_, uv_tcp_init_ex(srv.loop(), &l->handle_, unsigned(ep.family())));
      r < 0) {
    err = where + ": " + uv_strerror(r);
    return nullptr;
  }
  unsigned flags = ep.family() == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
  if (srv.config().reuse_port) {
    uv_os_fd_t fd;
    int one = 1;
    if (uv_fileno(as_handle(&l->handle_), &fd) < 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
      err = where + ": SO_REUSEPORT: " + std::strerror(errno);
      return nullptr;
    }
  }
  if (int r = uv_tcp_bind(&l->handle_, ep.sa(), flags); r < 0) {
    err = where + ": bind: " + std::strerror(-r);  // the UDP listener's wording
    return nullptr;
  }
  // libuv may report EADDRINUSE only here, so this is part of "binding" for the user.
  if (int r = uv_listen(as_stream(&l->handle_), 1024, on_connection); r < 0) {
    err = where + ": listen: " + std::strerror(-r);
    return nullptr;
  }
  return l;
}

endpoint tcp_listener::local_endpoint() const {
  endpoint ep;
  int len = sizeof ep.addr;
  if (uv_tcp_getsockname(&handle_, reinterpret_cast<sockaddr*>(&ep.addr), &len) < 0) return {};
  return ep;
}

void tcp_listener::on_connection(uv_stream_t* h, int status) noexcept {
  if (status < 0) return;  // e.g. EMFILE: libuv retries on the next readiness
  server& srv = owner_of<tcp_listener>(h->data)->server_;
  auto* c = new (std::nothrow) tcp_connection(srv);
  if (c == nullptr) return;
  // Refused connections are still accepted, so the client sees an immediate close instead of
  // waiting in the backlog until it times out.
  if (!c->accept(h) || !srv.admit(c)) {
    c->close();
    return;
  }
  c->start();
}

// ---- connection ----------------------------------------------------------------------------

bool tcp_connection::accept(uv_stream_t* listener) noexcept {
  bind(&write_req_);
  if (adopt(&tcp_, uv_tcp_init(server_.loop(), &tcp_)) < 0 ||
      adopt(&timer_, uv_timer_init(server_.loop(), &timer_)) < 0 ||
      uv_accept(listener, as_stream(&tcp_)) < 0)
    return false;
  sockaddr_storage peer{};
  int len = sizeof peer;
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&peer), &len) < 0)
    return false;  // already reset by the client
  client_ = key_of(peer);
  peer_ = client_address::of(reinterpret_cast<const sockaddr*>(&peer));
  return true;
}

tcp_connection::~tcp_connection() {
  if (pending_slot_ >= 0) server_.give_back_pending(pending_slot_);
}

void tcp_connection::start() noexcept {
  // Each response goes out in one write; Nagle would only delay pipelined answers.
  (void)uv_tcp_nodelay(&tcp_, 1);  // an optimisation: failing it changes nothing else
  last_query_ms_ = uv_now(server_.loop());
  arm_timer();
  if (uv_read_start(as_stream(&tcp_), on_alloc, on_read) < 0) close();
}

void tcp_connection::close() noexcept {
  if (closing()) return;
  if (transfer_cancel_) transfer_cancel_->store(true);  // its writer stops; the reply is dropped
  if (linked_) server_.unlink(this);
  close_handles();  // the pending slot goes back in the destructor, after the write is cancelled
}

void tcp_connection::restart_idle_timer() noexcept {
  // The timer is not moved here: on_timer re-arms it for the new deadline when it fires.
  last_query_ms_ = uv_now(server_.loop());
  partial_since_ms_ = 0;
  server_.touch(this);
}

void tcp_connection::track_partial_frame() noexcept {
  if (rlen_ == 0 || !pending_.empty()) {
    partial_since_ms_ = 0;  // nothing waiting, or we stopped reading: not the client's delay
  } else if (partial_since_ms_ == 0) {
    partial_since_ms_ = uv_now(server_.loop());
    arm_timer();
  }
}

uint64_t tcp_connection::next_deadline() const noexcept {
  const server_config& cfg = server_.config();
  uint64_t d = last_query_ms_ + cfg.tcp_idle_timeout_ms;
  if (partial_since_ms_) d = std::min(d, partial_since_ms_ + cfg.tcp_read_timeout_ms);
  if (pending_since_ms_) d = std::min(d, pending_since_ms_ + cfg.tcp_write_timeout_ms);
  return d;
}

void tcp_connection::arm_timer() noexcept {
  if (closing()) return;
  const uint64_t now = uv_now(server_.loop());
  const uint64_t d = next_deadline();
  const uint64_t in = d > now ? d - now : 0;
  if (uv_is_active(as_handle(&timer_)) && uv_timer_get_due_in(&timer_) <= in) return;
  if (uv_timer_start(&timer_, on_timer, in, 0) < 0) close();  // no deadline, no connection
}

void tcp_connection::process() noexcept {
  // Answers go into the shared out buffer back to back and leave in one write per read:
  // one write per query would make system calls the main cost (bench/README.md).
  auto out = server_.out_buffer();
  size_t used = 0, off = 0;
  bool answered = false;
  while (!closing() && pending_.empty() && !transfer_busy_) {
    const frame f = next_frame(std::span(rbuf_).first(rlen_).subspan(off), max_query);
    if (f.status == frame_status::need_more) break;
    if (f.status == frame_status::bad_length) {
      if (used) flush(used);  // what was asked before the garbage is still answered
      close();  // not a DNS query; resynchronising on a byte stream is guesswork
      return;
    }
    if (out.size() - used < 2 + 65535) {  // a maximal response might not fit: send first
      flush(used);
      used = 0;
      if (closing() || !pending_.empty()) break;
    }
    if (server_.config().transfer && hand_off_transfer(f.payload)) {
      if (used) flush(used);  // answers to earlier queries go first
      used = 0;
      off += f.size;
      answered = true;
      break;
    }
    used += answer(f.payload.data(), f.payload.size(), out.subspan(used));
    off += f.size;
    answered = true;
  }
  if (used && !closing()) flush(used);
  if (answered && !closing()) restart_idle_timer();
  if (closing() || off == 0) return;
  std::memmove(rbuf_.data(), rbuf_.data() + off, rlen_ - off);
  rlen_ -= off;
}

size_t tcp_connection::answer(const uint8_t* query, size_t len, std::span<uint8_t> out) noexcept {
  wire::reply_info info;
  const uint64_t t0 = monotonic_ns();
  size_t n = answer::respond(server_.snapshot(), {query, len}, out.subspan(2),
                             answer::transport::tcp, server_.answer_state(), info);
  if (n && info.signed_query && server_.config().sign)
    n = server_.config().sign({query, len}, out.subspan(2, 65535), n);
  if (n) {
    const uint64_t ns = monotonic_ns() - t0;
    server_.counters().reply(out.data() + 2, n, info.question_end, true, ns);
    if (query_ring* ql = server_.queries_logged())
      ql->record(out.data() + 2, n, info.question_end, true, peer_, log::now_unix_ms(), ns);
  }
  // Nothing to say to a runt or a response packet; RFC 7766 does not require closing.
  if (n == 0 || n > 65535) return 0;
  wire::put16(out.data(), uint16_t(n));
  return n + 2;
}

void tcp_connection::flush(size_t total) noexcept {
  auto out = server_.out_buffer();
  uv_buf_t b = uv_buf_init(reinterpret_cast<char*>(out.data()), unsigned(total));
  int r = uv_try_write(as_stream(&tcp_), &b, 1);
  if (r >= 0 && size_t(r) == total) return;
  if (r < 0 && r != UV_EAGAIN) {
    close();
    return;
  }
  // Slow path: keep the unsent tail (the shared out buffer is reused by the next read) and
  // stop reading until it drains, so what one read asked for is the most a slow reader can
  // cost us.
  size_t sent = r < 0 ? 0 : size_t(r);
  pending_ = server_.take_pending(pending_slot_);  // none is held: process() stops while one is
  if (pending_slot_ < 0) {
    close();  // every pending slot is held by a slow reader: this one is one more
    return;
  }
  pending_ = pending_.first(total - sent);
  std::memcpy(pending_.data(), out.data() + sent, pending_.size());
  (void)uv_read_stop(as_stream(&tcp_));  // cannot fail for a TCP handle
  pending_since_ms_ = uv_now(server_.loop());
  partial_since_ms_ = 0;
  arm_timer();
  uv_buf_t p = uv_buf_init(reinterpret_cast<char*>(pending_.data()), unsigned(pending_.size()));
  if (uv_write(&write_req_, as_stream(&tcp_), &p, 1, on_write) < 0) close();
}

void tcp_connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
  auto* c = owner_of<tcp_connection>(h->data);
  // Never full: process() leaves at most one incomplete frame, shorter than the buffer.
  *buf = uv_buf_init(reinterpret_cast<char*>(c->rbuf_.data() + c->rlen_),
                     unsigned(c->rbuf_.size() - c->rlen_));
}

void tcp_connection::on_read(uv_stream_t* h, ssize_t nread, const uv_buf_t*) noexcept {
  auto* c = owner_of<tcp_connection>(h->data);
  if (nread > 0) {
    c->rlen_ += size_t(nread);
    c->process();
    if (!c->closing()) c->track_partial_frame();
  } else if (nread == UV_EOF) {
    // The client is done sending; everything complete was answered already, since reading
    // is stopped while a response is pending.
    c->eof_ = true;
    if (c->pending_.empty() && !c->transfer_busy_) c->close();
  } else if (nread < 0) {
    c->close();
  }
}

void tcp_connection::on_write(uv_write_t* req, int status) noexcept {
  auto* c = owner_of<tcp_connection>(req->data);
  if (status < 0) {  // UV_ECANCELED when closing; anything else is a dead peer
    c->close();
    return;
  }
  c->pending_ = {};
  c->server_.give_back_pending(c->pending_slot_);
  c->pending_slot_ = -1;
  c->pending_since_ms_ = 0;
  c->resume();
}

void tcp_connection::resume() noexcept {
  if (closing()) return;
  process();  // frames that arrived with the one whose answer was pending
  if (closing() || !pending_.empty() || transfer_busy_) return;
  if (eof_) {
    close();
  } else if (uv_read_start(as_stream(&tcp_), on_alloc, on_read) < 0) {
    close();
  } else {
    track_partial_frame();  // a partial frame left over gets a fresh read deadline
  }
}

void tcp_connection::on_timer(uv_timer_t* t) noexcept {
  auto* c = owner_of<tcp_connection>(t->data);
  // The deadlines move without re-arming the timer (restart_idle_timer), so a firing only
  // closes when one has really passed; otherwise it waits for the next.
  if (uv_now(c->server_.loop()) >= c->next_deadline()) {
    c->close();  // RFC 7766 section 6.2.3 for the idle case
  } else {
    c->arm_timer();
  }
}

}  // namespace sipdns::net
