// DNS over TCP per RFC 7766: a listener and its connections.
#pragma once
#include <uv.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/address.hpp"
#include "net/query_log.hpp"
#include "uv/handle.hpp"
#include "uv/owner.hpp"

namespace sipdns::net {

class server;

class tcp_listener final : public uv::handle_owner {
 public:
  // Binds and listens; returns nullptr with `err` set on failure.
  static uv::handle_ptr<tcp_listener> open(server& srv, const endpoint& ep, std::string& err);

  tcp_listener(const tcp_listener&) = delete;
  tcp_listener& operator=(const tcp_listener&) = delete;

  void close() noexcept { close_handles(); }
  std::string local_address() const { return to_string(local_endpoint().sa()); }
  endpoint local_endpoint() const;

 private:
  explicit tcp_listener(server& srv) : server_(srv) {}
  ~tcp_listener() override = default;

  static void on_connection(uv_stream_t* h, int status) noexcept;

  server& server_;
  uv_tcp_t handle_{};
};

// The address a per-client connection cap counts against: an IPv4 address, or the /64 of an
// IPv6 address (one host usually holds a whole /64, so counting addresses would not bound it).
struct client_key {
  std::array<uint8_t, 9> bytes{};  // family tag, then 4 or 8 address bytes
  bool operator==(const client_key&) const = default;
};
struct client_key_hash {
  size_t operator()(const client_key& k) const noexcept;
};

// One client connection. Owns two handles (the socket and its timer) and deletes itself
// once both are closed. The server keeps it in an intrusive list, most recently active
// first, so shutdown can close it and a full server can close the least recently active one.
//
// Memory per connection is bounded: a fixed read buffer that holds at most one maximal query
// frame, and at most one partially written batch of responses (what one read asked for, at
// most server::out_size bytes). While a response is pending the
// connection stops reading, so a client that never reads stalls only itself.
//
// Time is bounded by three deadlines on one timer: no complete query for --tcp-idle-timeout
// (RFC 7766 section 6.2.3), an incomplete frame without progress for --tcp-read-timeout, a
// response pending for --tcp-write-timeout. Each closes the connection.
class tcp_connection final : public uv::handle_owner {
 public:
  // Largest query we accept. A query is a header, one question (at most 259 bytes) and an
  // OPT record; even with RFC 8467 padding this is far below 4 KiB. Larger frames close the
  // connection, which keeps the read buffer small.
  static constexpr size_t max_query = 4096;

  tcp_connection(const tcp_connection&) = delete;
  tcp_connection& operator=(const tcp_connection&) = delete;

  void close() noexcept;

 private:
  friend class tcp_listener;
  friend class server;

  explicit tcp_connection(server& srv) : server_(srv) {}
  ~tcp_connection() override;
  // Opens both handles and accepts from `listener`; false (the caller closes) on failure.
  bool accept(uv_stream_t* listener) noexcept;

  // Called by the listener after uv_accept succeeded and the connection was linked.
  void start() noexcept;
  // Answers every complete frame in the read buffer, in order, and writes the answers in one
  // go; stops early when a write cannot complete (the rest waits for on_write).
  void process() noexcept;
  // Writes the framed answer to `query` at the start of `out`; returns its size (0: none).
  size_t answer(const uint8_t* query, size_t len, std::span<uint8_t> out) noexcept;
  // Zone transfers (tcp_transfer.cpp): true when `query` is one and was handed off; the
  // connection then reads nothing more until the transfer's messages are written.
  bool hand_off_transfer(std::span<const uint8_t> query) noexcept;
  void transfer_ready(std::vector<uint8_t> framed) noexcept;
  // The transfer's bytes are out (0) or could not be (an errno: the connection closes).
  void transfer_written(int error) noexcept;
  // After a response or transfer went out: answer what waited, then read again.
  void resume() noexcept;
  // Sends the first `total` bytes of the out buffer, keeping any unsent tail in pending_.
  void flush(size_t total) noexcept;
  // A complete query arrived: the idle deadline moves, and any partial frame is newer.
  void restart_idle_timer() noexcept;
  // After a read: starts or clears the read deadline of an incomplete frame.
  void track_partial_frame() noexcept;
  // Arms the timer for the earliest deadline if it is not armed as early already.
  void arm_timer() noexcept;
  uint64_t next_deadline() const noexcept;

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* h, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_write(uv_write_t* req, int status) noexcept;
  static void on_timer(uv_timer_t* t) noexcept;

  server& server_;
  uv_tcp_t tcp_{};
  uv_timer_t timer_{};
  uv_write_t write_req_{};
  bool eof_ = false;
  bool linked_ = false;
  std::array<uint8_t, 2 + max_query> rbuf_{};
  size_t rlen_ = 0;
  // The unsent tail of one batch of responses (slow path only), in a slot of the server's
  // pending pool, so the callbacks never allocate.
  std::span<uint8_t> pending_;
  int pending_slot_ = -1;
  // Loop times (uv_now, ms) the deadlines count from; 0 = that deadline is not running.
  uint64_t last_query_ms_ = 0;
  uint64_t partial_since_ms_ = 0;
  uint64_t pending_since_ms_ = 0;
  client_key client_{};
  client_address peer_{};  // for the query log
  // A transfer being built or written, the flag that stops its writer when the connection
  // closes, and a token the builder's reply checks, so a reply for a connection that is gone
  // is dropped.
  bool transfer_busy_ = false;
  std::shared_ptr<std::atomic<bool>> transfer_cancel_;
  std::shared_ptr<int> alive_;

  tcp_connection* prev_ = nullptr;
  tcp_connection* next_ = nullptr;
};

}  // namespace sipdns::net
