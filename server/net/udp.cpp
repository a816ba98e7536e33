// UDP listener: recvmmsg a batch, answer each datagram into its slot, sendmmsg the batch.
#include "net/udp.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <time.h>

#include <cerrno>
#include <cstring>

#include "answer/answer.hpp"
#include "log/log.hpp"
#include "net/server.hpp"

namespace sipdns::net {

namespace {

// A bound, non-blocking UDP socket, or -1 with `err` set. We create it ourselves rather than
// with uv_udp_bind, which sets SO_REUSEADDR: on Linux that lets a second server silently
// share (and steal from) a UDP port, where we want a clear "address in use" at start-up.
int bound_socket(const endpoint& ep, bool reuse_port, const std::string& where, std::string& err) {
  int fd = ::socket(ep.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = where + ": socket: " + std::strerror(errno);
    return -1;
  }
  int one = 1;
  const char* failed = nullptr;
  socklen_t len = ep.family() == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
    failed = "SO_REUSEPORT";
  else if (ep.family() == AF_INET6 &&
           ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
    failed = "IPV6_V6ONLY";
  else if (::bind(fd, ep.sa(), len) < 0)
    failed = "bind";
  if (failed) {
    err = where + ": " + failed + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  // DF on every reply, and path-MTU news ignored: answers are sized to the client's EDNS
  // size (at most 1232 bytes, DNS Flag Day 2020) rather than fragmented, and an IP ID is
  // then not needed, which saves the kernel a hash per datagram (RFC 6864).
  if (ep.family() == AF_INET) {
    int probe = IP_PMTUDISC_PROBE;
    (void)::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe);
  } else {
    int probe = IPV6_PMTUDISC_PROBE;
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe, sizeof probe);
  }
  // A default receive buffer holds ~200 queries: a 25 ms stall (a busy machine) at 20k qps
  // drops a burst. Ask for 4 MiB; SO_RCVBUFFORCE passes net.core.rmem_max when we may.
  int rcvbuf = 4 << 20;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  return fd;
}

}  // namespace

uv::handle_ptr<udp_listener> udp_listener::open(server& srv, const endpoint& ep,
                                                std::string& err) {
  uv::handle_ptr<udp_listener> l(new udp_listener(srv));
  const std::string where = "udp " + to_string(ep.sa());
  l->fd_ = bound_socket(ep, srv.config().reuse_port, where, err);  // the destructor closes it
  if (l->fd_ < 0) return nullptr;
  int r = l->adopt(&l->poll_, uv_poll_init_socket(srv.loop(), &l->poll_, l->fd_));
  if (const rrl::config& rc = srv.config().rrl; r == 0 && rc.enabled()) {
    // The table is allocated here, once; the timer only closes logging episodes.
    l->rrl_ = std::make_unique<rrl::limiter>(rc, stderr, 0, srv.config().rrl_tally);
    r = l->adopt(&l->rrl_timer_, uv_timer_init(srv.loop(), &l->rrl_timer_));
    if (r == 0) r = uv_timer_start(&l->rrl_timer_, on_rrl_tick, 1000, 1000);
  }
  if (r == 0) r = uv_poll_start(&l->poll_, UV_READABLE, on_readable);
  if (r < 0) {
    err = where + ": " + uv_strerror(r);
    return nullptr;
  }
  return l;
}

udp_listener::~udp_listener() {
  if (fd_ >= 0) ::close(fd_);
}

endpoint udp_listener::local_endpoint() const {
  endpoint ep;
  socklen_t len = sizeof ep.addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ep.addr), &len) < 0) return {};
  return ep;
}

void udp_listener::on_readable(uv_poll_t* h, int status, int) noexcept {
  if (status < 0) return;
  auto* self = owner_of<udp_listener>(h->data);
  const uint32_t pause_us = self->server_.config().udp_coalesce_us;
  for (int i = 0; i < rounds; ++i) {
    size_t got = self->read_batch();
    if (got == batch) continue;  // more waiting: read again at once
    // A short batch that still found a queue means queries arrive faster than one wake-up
    // each: let the next ones gather (bounded: `rounds` pauses per readiness) rather than
    // pay a sleep, a wake-up and two system calls for every few datagrams.
    if (pause_us == 0 || got < coalesce_min || i + 1 == rounds) break;
    timespec pause{0, long(pause_us) * 1000};
    ::nanosleep(&pause, nullptr);
  }
}

size_t udp_listener::read_batch() noexcept {
  for (size_t i = 0; i < batch; ++i) {
    in_iov_[i] = {in_[i].data(), max_query};
    in_msgs_[i] = {};
    in_msgs_[i].msg_hdr.msg_name = &peer_[i];
    in_msgs_[i].msg_hdr.msg_namelen = sizeof peer_[i];
    in_msgs_[i].msg_hdr.msg_iov = &in_iov_[i];
    in_msgs_[i].msg_hdr.msg_iovlen = 1;
  }
  int got = ::recvmmsg(fd_, in_msgs_.data(), batch, MSG_DONTWAIT, nullptr);
  if (got <= 0) return 0;  // EAGAIN, or an error about one peer (ICMP): nothing to do
  const uint64_t t0 = monotonic_ns();
  rrl::limiter* const limiter = rrl_.get();
  const uint32_t now_s = limiter ? uint32_t(uv_now(server_.loop()) / 1000) : 0;
  size_t replies = 0;
  for (int i = 0; i < got; ++i) {
    const msghdr& hdr = in_msgs_[i].msg_hdr;
    // Truncated datagrams are not queries we can answer.
    if (hdr.msg_flags & MSG_TRUNC) continue;
    wire::reply_info info;
    size_t n = answer::respond(server_.snapshot(), {in_[i].data(), in_msgs_[i].msg_len},
                               out_[replies], answer::transport::udp, server_.answer_state(), info);
    if (n == 0) continue;
    if (limiter) {
      auto* peer = reinterpret_cast<const sockaddr*>(&peer_[i]);
      rrl::verdict v = limiter->check(peer, {out_[replies].data(), n}, info, now_s);
      if (v == rrl::verdict::drop) continue;
      if (v == rrl::verdict::slip) n = rrl::limiter::truncate({out_[replies].data(), n}, info);
    }
    if (info.signed_query && server_.config().sign) {  // after RRL: a slip is signed too
      n = server_.config().sign({in_[i].data(), in_msgs_[i].msg_len}, out_[replies], n);
      if (n == 0) continue;
    }
    question_end_[replies] = info.question_end;
    out_iov_[replies] = {out_[replies].data(), n};
    mmsghdr& m = out_msgs_[replies];
    m = {};
    m.msg_hdr.msg_name = &peer_[i];
    m.msg_hdr.msg_namelen = hdr.msg_namelen;
    m.msg_hdr.msg_iov = &out_iov_[replies];
    m.msg_hdr.msg_iovlen = 1;
    ++replies;
  }
  // In-server time: from the batch's arrival to its send, the same for every reply of it.
  loop_counters& counted = server_.counters();
  const uint64_t ns = monotonic_ns() - t0;
  for (size_t k = 0; k < replies; ++k)
    counted.reply(out_[k].data(), out_iov_[k].iov_len, question_end_[k], false, ns);
  if (query_ring* ql = server_.queries_logged()) log_queries(*ql, replies, ns);
  size_t sent = 0;
  while (sent < replies) {
    int r = ::sendmmsg(fd_, out_msgs_.data() + sent, unsigned(replies - sent), MSG_DONTWAIT);
    // A full socket buffer means we are overloaded: dropping the rest is what a busy server
    // does anyway and clients retry; other errors concern one destination: skip it.
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    sent += r > 0 ? size_t(r) : 1;
  }
  return size_t(got);
}

// --query-log: each reply of the batch into this loop's ring (copies only, no allocation).
void udp_listener::log_queries(query_ring& ring, size_t replies, uint64_t ns) noexcept {
  const int64_t now_ms = log::now_unix_ms();
  for (size_t k = 0; k < replies; ++k) {
    const auto* peer = static_cast<const sockaddr*>(out_msgs_[k].msg_hdr.msg_name);
    ring.record(out_[k].data(), out_iov_[k].iov_len, question_end_[k], false,
                client_address::of(peer), now_ms, ns);
  }
}

void udp_listener::on_rrl_tick(uv_timer_t* t) noexcept {
  auto* self = owner_of<udp_listener>(t->data);
  self->rrl_->tick(uint32_t(uv_now(t->loop) / 1000));
}

}  // namespace sipdns::net
