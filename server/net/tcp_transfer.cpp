// Zone transfers on a TCP connection: handed to the daemon, written when built.
//
// Design: a transfer is built and framed off the loop (it derives a whole zone), so the
// connection stops reading, as for a pending response, and resumes once every message is
// written. The messages may be tens of megabytes: they get a buffer of their own rather than
// the server's pending slots, go out in chunks so the loop serves other queries between them,
// and each chunk has the write deadline (--tcp-write-timeout) of any response.
#include <algorithm>
#include <cstring>
#include <utility>

#include "net/server.hpp"
#include "net/tcp.hpp"
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

void tcp_connection::transfer_ready(std::vector<uint8_t> framed) noexcept {
  if (closing()) return;
  transfer_out_ = std::move(framed);
  transfer_sent_ = 0;
  write_transfer_chunk();
}

// One chunk per write: its completion comes back through the loop, so UDP and other
// connections are served between chunks however big the zone. Each chunk must drain within
// the write deadline (progress, not the whole zone, is what a slow secondary owes us).
void tcp_connection::write_transfer_chunk() noexcept {
  constexpr size_t chunk = 128 * 1024;
  if (transfer_sent_ >= transfer_out_.size()) {
    transfer_busy_ = false;
    pending_since_ms_ = 0;
    std::vector<uint8_t>().swap(transfer_out_);  // a zone's worth of memory goes back
    restart_idle_timer();
    resume();
    return;
  }
  const size_t n = std::min(chunk, transfer_out_.size() - transfer_sent_);
  pending_since_ms_ = uv_now(server_.loop());
  arm_timer();
  uv_buf_t b = uv_buf_init(reinterpret_cast<char*>(transfer_out_.data() + transfer_sent_),
                           unsigned(n));
  transfer_sent_ += n;
  if (uv_write(&transfer_req_, uv::as_stream(&tcp_), &b, 1, on_transfer_written) < 0) close();
}

void tcp_connection::on_transfer_written(uv_write_t* req, int status) noexcept {
  auto* c = owner_of<tcp_connection>(req->data);
  if (status < 0) {
    c->close();
    return;
  }
  c->write_transfer_chunk();
}

}  // namespace sipdns::net
