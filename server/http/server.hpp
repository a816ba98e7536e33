// A small read-only HTTP/1.1 server for operators (/metrics, /status.json, the status page),
// on a thread and event loop of its own, so nothing it does can delay a DNS answer.
//
// Design: one request per connection (`Connection: close`), GET and HEAD only, the request
// head bounded (8 KiB) and due within a deadline, connections capped: whatever a client
// sends, what it can cost us is bounded and the DNS loops never see it. The handler runs on
// the HTTP thread and must only read shared state (atomics, or views taken under a lock).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"
#include "wire/prefix.hpp"

namespace sipdns::http {

struct response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};
// Called with the request's path (query string removed) on the HTTP thread.
using handler = std::function<response(std::string_view path)>;

struct config {
  net::endpoint listen;
  // Clients allowed besides loopback ones; a non-loopback `listen` needs at least one.
  std::vector<wire::prefix> allow;
  size_t max_connections = 1024;
  uint64_t request_timeout_ms = 5000;  // the whole request head, from accept
  size_t max_request = 8192;
};

class server {
 public:
  server();
  ~server();  // stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts the thread; false with `err` when the address cannot be used.
  bool start(const config& cfg, handler h, std::string& err);
  // Closes every connection and the listener, and joins the thread. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Whether `sa` is 127.0.0.0/8, ::1 or a v4-mapped loopback address.
bool is_loopback(const sockaddr* sa);

}  // namespace sipdns::http
