// The operator's control socket: a Unix stream socket taking one command line per connection
// ("status", "status json", "drain HOST", "undrain HOST", "reload") and answering with lines
// of text.
#pragma once
#include <uv.h>

#include <functional>
#include <string>
#include <vector>

#include "uv/handle.hpp"
#include "uv/owner.hpp"

namespace sipdns::control {

class control_socket final : public uv::handle_owner {
 public:
  // Handles one command line; returns the reply lines. Runs on the loop thread.
  using handler = std::function<std::vector<std::string>(const std::string& line)>;

  // Returns nullptr with `err` set when the socket cannot be created.
  static uv::handle_ptr<control_socket> open(uv_loop_t* loop, const std::string& path, handler h,
                                             std::string& err);
  void close() noexcept;

  static constexpr size_t max_line = 1024;  // a longer command closes the connection

 private:
  class client;
  control_socket(std::string path, handler h) : path_(std::move(path)), handler_(std::move(h)) {}
  ~control_socket() override = default;
  static void on_connection(uv_stream_t* server, int status) noexcept;

  uv_pipe_t pipe_{};
  client* clients_ = nullptr;  // open connections, newest first
  std::string path_;
  handler handler_;
};

}  // namespace sipdns::control
