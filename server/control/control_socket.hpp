// The operator's control socket: a Unix stream socket taking one command line per connection
// ("status", "drain HOST", "undrain HOST", "reload") and answering with lines of text.
#pragma once
#include <uv.h>

#include <functional>
#include <string>
#include <vector>

#include "net/handle.hpp"

namespace sipdns::control {

class control_socket {
 public:
  // Handles one command line; returns the reply lines. Runs on the loop thread.
  using handler = std::function<std::vector<std::string>(const std::string& line)>;

  // Returns nullptr with `err` set when the socket cannot be created.
  static net::handle_ptr<control_socket> open(uv_loop_t* loop, const std::string& path,
                                              handler h, std::string& err);
  control_socket(const control_socket&) = delete;
  control_socket& operator=(const control_socket&) = delete;
  void close() noexcept;

 private:
  struct client;
  control_socket(std::string path, handler h) : path_(std::move(path)), handler_(std::move(h)) {}
  ~control_socket() = default;
  static void on_connection(uv_stream_t* server, int status) noexcept;

  uv_pipe_t pipe_{};
  std::string path_;
  handler handler_;
};

}  // namespace sipdns::control
