// The query log: recording on the loop, formatting and writing on the writer thread.
#include "net/query_log.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "log/log.hpp"
#include "log/thread_name.hpp"
#include "net/counters.hpp"
#include "wire/constants.hpp"

namespace sipdns::net {

client_address client_address::of(const sockaddr* sa) noexcept {
  client_address c;
  if (sa && sa->sa_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(sa);
    c.family = AF_INET;
    c.port = ntohs(a->sin_port);
    std::memcpy(c.bytes, &a->sin_addr, 4);
  } else if (sa && sa->sa_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(sa);
    c.family = AF_INET6;
    c.port = ntohs(a->sin6_port);
    std::memcpy(c.bytes, &a->sin6_addr, 16);
  }
  return c;
}

void query_ring::record(const uint8_t* reply, size_t len, size_t question_end, bool tcp,
                        const client_address& client, int64_t unix_ms, uint64_t ns) noexcept {
  const uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - tail_.load(std::memory_order_acquire) >= capacity || len < wire::header_size) {
    dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return;
  }
  query_record& r = slots_[head & (capacity - 1)];
  r.unix_ms = unix_ms;
  r.us = uint32_t(ns / 1000 > UINT32_MAX ? UINT32_MAX : ns / 1000);
  r.size = uint16_t(len > 65535 ? 65535 : len);
  r.client = client;
  r.rcode = reply[3] & 0x0F;
  r.tcp = tcp;
  r.qname_len = 0;
  r.qtype = 0;
  // The question as echoed: QNAME wire bytes, then QTYPE and QCLASS (4 bytes).
  if (question_end >= wire::header_size + 5 && question_end <= len &&
      question_end - 4 - wire::header_size <= sizeof r.qname) {
    r.qname_len = uint8_t(question_end - 4 - wire::header_size);
    std::memcpy(r.qname, reply + wire::header_size, r.qname_len);
    r.qtype = wire::get16(reply + question_end - 4);
  }
  head_.store(head + 1, std::memory_order_release);
}

namespace {
// RFC 1035 5.1 presentation: labels joined by '.', special and unprintable bytes as \DDD,
// so the value never needs quotes.
char* put_name(const uint8_t* w, size_t len, char* out) {
  size_t i = 0;
  if (len == 0 || w[0] == 0) return *out++ = '.', out;
  while (i < len && w[i] != 0) {
    const size_t l = w[i++];
    for (size_t k = 0; k < l && i < len; ++k, ++i) {
      const uint8_t c = w[i];
      if (c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\' && c != '.' && c != ';')
        *out++ = char(c);
      else
        out += std::snprintf(out, 5, "\\%03u", unsigned(c));
    }
    *out++ = '.';
  }
  return out;
}

char* put_client(const client_address& c, char* out) {
  char ip[INET6_ADDRSTRLEN] = "-";
  if (c.family != 0) inet_ntop(c.family, c.bytes, ip, sizeof ip);
  if (c.family == AF_INET6) return out + std::snprintf(out, 60, "[%s]:%u", ip, unsigned(c.port));
  if (c.family == AF_INET) return out + std::snprintf(out, 60, "%s:%u", ip, unsigned(c.port));
  return *out++ = '-', out;
}

char* put_qtype(uint16_t qtype, char* out) {
  for (size_t i = 0; i + 2 < counted_qtypes.size(); ++i)  // the named ones, not "none"/"other"
    if (counted_qtypes[i] == qtype) return out + std::snprintf(out, 16, "%s", qtype_names[i]);
  return out + std::snprintf(out, 16, "TYPE%u", unsigned(qtype));
}
}  // namespace

size_t format_query(const query_record& r, char* out) noexcept {
  char* p = out;
  p += std::snprintf(p, 8, "ts=");
  p += log::format_time(r.unix_ms, p);
  p += std::snprintf(p, 16, " client=");
  p = put_client(r.client, p);
  p += std::snprintf(p, 32, " proto=%s qname=", r.tcp ? "tcp" : "udp");
  if (r.qname_len == 0) {
    p += std::snprintf(p, 16, "- qtype=-");
  } else {
    p = put_name(r.qname, r.qname_len, p);
    p += std::snprintf(p, 16, " qtype=");
    p = put_qtype(r.qtype, p);
  }
  p += std::snprintf(p, 64, " rcode=%s size=%u us=%u\n", rcode_name(r.rcode), unsigned(r.size),
                     unsigned(r.us));
  return size_t(p - out);
}

bool query_log::open(const std::string& path, size_t loops, std::string& err) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "ae");
  if (!file_) return err = path + ": " + std::strerror(errno), false;
  buffer_.reset(new char[buffer_size]);
  (void)std::setvbuf(file_, buffer_.get(), _IOFBF, buffer_size);
  for (size_t i = 0; i < loops; ++i) rings_.push_back(std::make_unique<query_ring>());
  return true;
}

void query_log::start() {
  if (file_ && !writer_.joinable()) writer_ = std::thread([this] {
    log::name_this_thread("query-log");
    run();
  });
}

void query_log::stop() noexcept {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (file_) {
    write_pass();  // what came after the last pass (the loops have stopped)
    std::fclose(file_);
    file_ = nullptr;
  }
}

void query_log::reopen() noexcept {
  reopen_.store(true);
  wake_.notify_all();
}

uint64_t query_log::dropped() const noexcept {
  uint64_t n = 0;
  for (const auto& r : rings_) n += r->dropped();
  return n;
}

void query_log::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(100));
    lock.unlock();
    write_pass();
    lock.lock();
  }
}

void query_log::write_pass() {
  if (reopen_.exchange(false)) {
    std::FILE* f = std::fopen(path_.c_str(), "ae");
    if (f) {
      std::fclose(file_);  // flushes through buffer_, which the new file takes over
      (void)std::setvbuf(f, buffer_.get(), _IOFBF, buffer_size);
      file_ = f;
      log::info("query_log_reopened").kv("path", path_).write();
    } else {
      log::error("query_log_failed").kv("path", path_).kv("error", std::strerror(errno)).write();
    }
  }
  char line[query_line_max];
  uint64_t written = 0;
  for (const auto& ring : rings_)
    written += ring->drain(
        [&](const query_record& r) {
          const size_t n = format_query(r, line);
          (void)std::fwrite(line, 1, n, file_);
        },
        query_ring::capacity);
  if (written == 0) return;
  std::fflush(file_);
  lines_.fetch_add(written, std::memory_order_relaxed);
}

}  // namespace sipdns::net
