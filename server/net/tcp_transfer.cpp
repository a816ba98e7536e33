// Zone transfers on a TCP connection: handed to the daemon, written when built.
//
// Design: a transfer is built and framed off the loop (it derives a whole zone), so the
// connection stops reading, as for a pending response, and resumes once every message is
// written. The messages may be tens of megabytes: they get a buffer of their own rather than
// the server's pending slots, and a pool thread at background priority writes them, so the
// loop keeps answering; each write must progress within --tcp-write-timeout.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <utility>

#include "net/server.hpp"
#include "net/tcp.hpp"
#include "uv/priority.hpp"
#include "wire/constants.hpp"
#include "wire/query.hpp"

namespace sipdns::net {

bool tcp_connection::hand_off_transfer(std::span<const uint8_t> query) noexcept {
  wire::query q;
  if (wire::parse_query(query, q) != wire::parse_status::ok) return false;
  if (q.qtype != wire::rr_type::axfr && q.qtype != wire::rr_type::ixfr) return false;
  if (q.qclass != wire::rr_class::in) return false;
  try {
    transfer_request req;
    req.query.assign(query.begin(), query.end());
    req.question_end = q.question_end;
    req.qname.assign(reinterpret_cast<const char*>(q.qname_lower), q.qname_len);
    req.qtype = q.qtype;
    req.loop = server_.loop();
    int len = sizeof req.client;
    if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&req.client), &len) < 0)
      return false;
    alive_ = std::make_shared<int>(0);
    std::weak_ptr<int> alive = alive_;
    transfer_busy_ = true;
    (void)uv_read_stop(uv::as_stream(&tcp_));
    server_.config().transfer(std::move(req),
                              [this, alive](std::vector<uint8_t> framed) {
                                if (alive.lock()) transfer_ready(std::move(framed));
                              });
  } catch (...) {
    transfer_busy_ = false;
    close();  // out of memory: drop the connection rather than answer wrong
  }
  return true;
}

std::vector<uint8_t> frame_messages(const std::vector<std::vector<uint8_t>>& messages) {
  size_t total = 0;
  for (const auto& m : messages) total += 2 + m.size();
  std::vector<uint8_t> out;
  out.reserve(total);
  for (const auto& m : messages) {
    if (m.size() > 65535) continue;
    const uint8_t len[2] = {uint8_t(m.size() >> 8), uint8_t(m.size())};
    out.insert(out.end(), len, len + 2);
    out.insert(out.end(), m.begin(), m.end());
  }
  return out;
}

namespace {

// The framed messages written to a duplicate of the connection's socket on a pool thread at
// background priority: the kernel's copy of tens of megabytes (most of a transfer's cost on
// the sending side) is then not the loop's. While it runs the loop neither reads nor writes
// on the connection. Each write must make progress within `timeout_ms`; `cancel` (the
// connection closed) stops it within a poll slice.
struct transfer_write {
  uv_work_t req{};
  int fd = -1;
  std::vector<uint8_t> bytes;
  uint64_t timeout_ms = 0;
  std::shared_ptr<std::atomic<bool>> cancel;
  std::function<void(int error)> done;  // on the loop; 0 or an errno
  int error = 0;
};

uint64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1'000'000;
}

void write_all(transfer_write& w) {
  const uv::background_priority lowered;
  size_t off = 0;
  uint64_t progress = now_ms();
  while (off < w.bytes.size()) {
    if (w.cancel->load(std::memory_order_relaxed)) {
      w.error = ECANCELED;
      return;
    }
    ssize_t n = ::send(w.fd, w.bytes.data() + off, w.bytes.size() - off,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += size_t(n);
      progress = now_ms();
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      w.error = errno;
      return;
    }
    if (now_ms() - progress > w.timeout_ms) {
      w.error = ETIMEDOUT;
      return;
    }
    pollfd p{w.fd, POLLOUT, 0};
    (void)::poll(&p, 1, 100);
  }
}

}  // namespace

void tcp_connection::transfer_ready(std::vector<uint8_t> framed) noexcept {
  if (closing()) return;
  if (framed.empty()) {
    transfer_written(0);
    return;
  }
  uv_os_fd_t fd = -1;
  std::unique_ptr<transfer_write> w;
  try {
    w = std::make_unique<transfer_write>();
  } catch (...) {
    close();
    return;
  }
  if (uv_fileno(uv::as_handle(&tcp_), &fd) < 0 || (w->fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
    close();
    return;
  }
  w->req.data = w.get();
  w->bytes = std::move(framed);
  w->timeout_ms = server_.config().tcp_write_timeout_ms;
  transfer_cancel_ = std::make_shared<std::atomic<bool>>(false);
  w->cancel = transfer_cancel_;
  std::weak_ptr<int> alive = alive_;
  w->done = [this, alive](int error) {
    if (alive.lock()) transfer_written(error);
  };
  int r = uv_queue_work(
      server_.loop(), &w->req, [](uv_work_t* req) { write_all(*static_cast<transfer_write*>(req->data)); },
      [](uv_work_t* req, int status) {
        std::unique_ptr<transfer_write> job(static_cast<transfer_write*>(req->data));
        ::close(job->fd);
        job->done(status < 0 ? ECANCELED : job->error);
      });
  if (r < 0) {
    ::close(w->fd);
    close();
    return;
  }
  (void)w.release();  // the request owns it until the after-work callback
}

void tcp_connection::transfer_written(int error) noexcept {
  transfer_cancel_.reset();
  if (error != 0) {
    close();
    return;
  }
  transfer_busy_ = false;
  restart_idle_timer();
  resume();
}

}  // namespace sipdns::net
