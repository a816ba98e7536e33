// The DNS front end of one event loop: UDP and TCP listeners sharing one snapshot and buffers.
//
// Design: everything runs on the loop thread. A query is answered synchronously inside the
// read callback, from the listener's or connection's own receive buffers into the UDP
// listener's reply slots or `out_buffer()`, all allocated once, so steady-state serving
// allocates nothing. The snapshot is held as a shared_ptr; the read path
// dereferences a raw pointer to it, and `set_snapshot` (called on the loop thread, e.g. from a
// uv_queue_work completion) replaces both, so no lock is ever taken.
#pragma once
#include <uv.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "answer/answer.hpp"
#include "compile/snapshot.hpp"
#include "net/address.hpp"
#include "net/counters.hpp"
#include "net/query_log.hpp"
#include "net/tcp.hpp"
#include "rrl/limiter.hpp"
#include "uv/handle.hpp"

namespace sipdns::net {

class udp_listener;
class tcp_listener;
class tcp_connection;

// A zone transfer asked over TCP (AXFR, IXFR), handed to whoever builds it (the daemon).
struct transfer_request {
  std::vector<uint8_t> query;  // the client's message as received
  size_t question_end = 0;     // offset past its question
  std::string qname;           // lower-cased wire name
  uint16_t qtype = 0;
  sockaddr_storage client{};
  uv_loop_t* loop = nullptr;  // the connection's loop: the reply must be made on it
};
// The messages to send, framed for TCP by frame_messages (off the loop: a zone's worth of
// copying); called on the request's loop.
using transfer_reply = std::function<void(std::vector<uint8_t> framed)>;
// Each message behind its two-byte length (RFC 1035 4.2.2); one over 65535 bytes, which the
// transfer builders never make, is left out.
std::vector<uint8_t> frame_messages(const std::vector<std::vector<uint8_t>>& messages);

struct server_config {
  std::vector<endpoint> listen;
  uint64_t tcp_idle_timeout_ms = 10'000;
  // A frame must complete, and a pending response drain, within these (see tcp_connection).
  uint64_t tcp_read_timeout_ms = 3'000;
  uint64_t tcp_write_timeout_ms = 5'000;
  // Per loop. At the total cap a new connection closes the least recently active one; over
  // the per-client cap (IPv4 address or IPv6 /64) it is closed itself.
  size_t tcp_max_connections = 256;
  size_t tcp_max_per_client = 32;
  // Under a backlog (a batch of at least udp_coalesce_min datagrams that did not fill the
  // batch) the UDP reader pauses this long before reading again, so one wake-up and one
  // sendmmsg serve tens of queries: interrupt moderation, as NICs do. 0 = never pause.
  uint32_t udp_coalesce_us = 200;
  // Several loops serve the same addresses: each binds its own sockets with SO_REUSEPORT
  // and the kernel spreads datagrams and connections over them.
  bool reuse_port = false;
  // Response rate limiting of UDP replies (--rrl-*); off unless rrl.rate > 0. Each UDP
  // socket, so each loop, has its own table: no lock on the read path.
  rrl::config rrl;
  rrl::tally* rrl_tally = nullptr;  // the daemon's totals over every limiter, if any
  // Called on the loop's thread once it serves a new snapshot and has dropped the previous
  // one, with `loop_index` and the snapshot's generation (control/pipeline.hpp's acks).
  std::function<void(size_t loop, uint64_t generation)> swapped;
  size_t loop_index = 0;
  // AXFR and IXFR over TCP go here when set (never on the read path of other queries);
  // unset, they are answered REFUSED. The reply comes later, on the same loop.
  std::function<void(transfer_request, transfer_reply)> transfer;
  // Signs, in place, the reply to a query that carried a TSIG (wire::reply_info says so):
  // `reply` holds `len` bytes and has room for more; returns the new length (a TSIG error
  // reply may replace the answer). Unset: such replies go out unsigned. Never called for
  // unsigned queries, so the common path stays free of it.
  std::function<size_t(std::span<const uint8_t> query, std::span<uint8_t> reply, size_t len)>
      sign;
  // --query-log: each loop records its replies in log_queries->ring(loop_index); null: off.
  query_log* log_queries = nullptr;
};

class server {
 public:
  server(uv_loop_t* loop, server_config cfg, compile::snapshot_ptr snap);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds UDP and TCP on every configured endpoint (the daemon names them in its start-up line).
  // On failure returns false with a message in `err`; call close() and run the loop after.
  bool start(std::string& err);
  // Closes every listener and connection. The loop must run afterwards so their close
  // callbacks release them; the server must outlive that.
  void close() noexcept;

  // The addresses actually bound (the real port when 0 was asked), for tests and logs.
  std::vector<endpoint> udp_endpoints() const;
  std::vector<endpoint> tcp_endpoints() const;

  void set_snapshot(compile::snapshot_ptr snap) noexcept;
  const compile::snapshot& snapshot() const noexcept { return *snap_; }
  // This loop's answering state (round-robin position), shared by its UDP and TCP paths.
  answer::loop_state& answer_state() noexcept { return answer_state_; }
  // This loop's counters (net/counters.hpp): written here, read by the metrics thread.
  loop_counters& counters() noexcept { return counters_; }
  const loop_counters& counters() const noexcept { return counters_; }
  // This loop's query log ring (net/query_log.hpp), null when the query log is off.
  query_ring* queries_logged() const noexcept { return query_ring_; }

  uv_loop_t* loop() const noexcept { return loop_; }
  const server_config& config() const noexcept { return cfg_; }

  // TCP answers are framed in place here, back to back (see out_size).
  std::span<uint8_t> out_buffer() noexcept { return {out_.get(), out_size}; }

  // Connection bookkeeping for tcp_listener / tcp_connection. admit() decides for a freshly
  // accepted connection: false if its client is at the per-client cap; at the total cap it
  // closes the least recently active connection to make room (RFC 7766 section 6.2.3 lets a
  // server close idle connections; refusing instead would let whoever fills the cap first
  // keep everyone else out). On true the connection is linked.
  bool admit(tcp_connection* c) noexcept;
  void unlink(tcp_connection* c) noexcept;
  // A complete query arrived on `c`: it becomes the most recently active.
  void touch(tcp_connection* c) noexcept;

  // A connection whose client does not read keeps the unsent tail of its answers in one of
  // `pending_slots` buffers of out_size bytes, reserved here once (pages are touched only
  // when used), so the TCP callbacks never allocate. take_pending() returns an empty span
  // (slot -1) when all are held: the caller closes that connection, one more slow reader.
  std::span<uint8_t> take_pending(int& slot) noexcept;
  void give_back_pending(int slot) noexcept;

  static constexpr size_t buffer_size = 65536;
  // Room for two maximal framed TCP responses: a connection gathers the answers to every
  // frame of one read and writes them at once, flushing when a maximal one might not fit.
  static constexpr size_t out_size = 2 * (buffer_size + 2);
  static constexpr size_t pending_slots = 32;

 private:
  uv_loop_t* loop_;
  server_config cfg_;
  compile::snapshot_ptr current_;
  const compile::snapshot* snap_;
  answer::loop_state answer_state_;
  loop_counters counters_;
  query_ring* query_ring_ = nullptr;
  std::unique_ptr<uint8_t[]> out_;
  // pending_slots * out_size bytes of an anonymous mapping: pages are resident only once a
  // slow reader used them (a heap block could reuse freed, resident zone-load memory).
  struct unmap {
    void operator()(uint8_t* p) const noexcept;
  };
  std::unique_ptr<uint8_t, unmap> pending_pool_;
  std::array<int, pending_slots> free_pending_{};  // a stack of free slot numbers
  size_t free_pending_count_ = 0;
  std::vector<uv::handle_ptr<udp_listener>> udp_;
  std::vector<uv::handle_ptr<tcp_listener>> tcp_;
  void link(tcp_connection* c) noexcept;

  tcp_connection* connections_head_ = nullptr;  // most recently active first
  tcp_connection* connections_tail_ = nullptr;
  size_t connections_ = 0;
  // Open connections per client; an entry is erased when its count drops to zero, so the
  // table holds at most one entry per connection.
  std::unordered_map<client_key, uint32_t, client_key_hash> per_client_;
  bool closed_ = false;
};

}  // namespace sipdns::net
