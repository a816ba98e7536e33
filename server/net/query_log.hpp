// --query-log FILE: one line per reply, recorded on the answering loop without allocating or
// locking, formatted and written by a thread of its own.
//
// Design: each loop owns a query_ring, a fixed array of fixed-size records that only its loop
// writes and only the writer thread reads (single producer, single consumer: two indices,
// acquire/release, no lock). Recording copies raw fields (time, client, transport, the QNAME's
// wire bytes, QTYPE, RCODE, size, time in the server); a full ring drops the record and counts
// the drop, so a slow disk never slows an answer. The writer wakes every 100 ms, takes at most
// one ring's worth from each ring, formats the lines and writes them with buffered I/O.
// SIGHUP reopens the file (reopen()), so logrotate can rename it and signal.
#pragma once
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sipdns::net {

// A client address without sockaddr_storage's size: family (AF_INET, AF_INET6, 0), port,
// and the address bytes (4 or 16).
struct client_address {
  uint8_t family = 0;
  uint16_t port = 0;
  uint8_t bytes[16] = {};
  static client_address of(const sockaddr* sa) noexcept;
};

struct query_record {
  int64_t unix_ms = 0;  // when the query's batch (UDP) or frame (TCP) was answered
  uint32_t us = 0;      // in-server time
  uint16_t size = 0;    // reply bytes
  uint16_t qtype = 0;
  client_address client;
  uint8_t rcode = 0;  // the header's four bits
  bool tcp = false;
  uint8_t qname_len = 0;  // 0: no question echoed
  uint8_t qname[255];
};

class query_ring {
 public:
  static constexpr size_t capacity = 4096;  // a power of two; about 1.2 MB per loop

  query_ring() : slots_(new query_record[capacity]) {}
  query_ring(const query_ring&) = delete;
  query_ring& operator=(const query_ring&) = delete;

  // Loop thread. One reply of `len` bytes whose question ends at `question_end`.
  void record(const uint8_t* reply, size_t len, size_t question_end, bool tcp,
              const client_address& client, int64_t unix_ms, uint64_t ns) noexcept;
  // Writer thread: hands at most `max` records, oldest first, to fn; returns how many.
  template <class F>
  size_t drain(F&& fn, size_t max) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    const uint64_t head = head_.load(std::memory_order_acquire);
    size_t n = 0;
    for (uint64_t i = tail; i != head && n < max; ++i, ++n) fn(slots_[i & (capacity - 1)]);
    tail_.store(tail + n, std::memory_order_release);
    return n;
  }
  uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  std::unique_ptr<query_record[]> slots_;
  alignas(64) std::atomic<uint64_t> head_{0};  // next slot the loop fills
  alignas(64) std::atomic<uint64_t> tail_{0};  // next slot the writer reads
  alignas(64) std::atomic<uint64_t> dropped_{0};  // written by the loop only
};

// Formats one record as a line (with its newline) into out (query_line_max bytes at least);
// returns its length.
inline constexpr size_t query_line_max = 1200;
size_t format_query(const query_record& r, char* out) noexcept;

class query_log {
 public:
  query_log() = default;
  ~query_log() { stop(); }
  query_log(const query_log&) = delete;
  query_log& operator=(const query_log&) = delete;

  // Opens `path` for appending and makes one ring per loop; false with `err`.
  bool open(const std::string& path, size_t loops, std::string& err);
  void start();
  // Drains what is left, joins the writer and closes the file.
  void stop() noexcept;
  // Any thread: the writer closes and reopens the file on its next pass (SIGHUP).
  void reopen() noexcept;

  query_ring* ring(size_t loop) noexcept { return loop < rings_.size() ? rings_[loop].get() : nullptr; }
  uint64_t lines() const noexcept { return lines_.load(std::memory_order_relaxed); }
  uint64_t dropped() const noexcept;
  const std::string& path() const noexcept { return path_; }

  // One writer pass: each ring's records (at most a ring's worth each) to the file.
  void write_pass();

 private:
  void run();

  std::string path_;
  std::FILE* file_ = nullptr;
  // The file's stdio buffer, ours (setvbuf) so that writing never allocates either.
  static constexpr size_t buffer_size = 64 * 1024;
  std::unique_ptr<char[]> buffer_;
  std::vector<std::unique_ptr<query_ring>> rings_;
  std::atomic<uint64_t> lines_{0};
  std::atomic<bool> reopen_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace sipdns::net
