// Unix-socket control channel: accept, read one line (at most 1 KiB), reply, close.
#include "control/control_socket.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace sipdns::control {

// One connection; deletes itself in its close callback.
struct control_socket::client {
  uv_pipe_t pipe{};
  uv_write_t write{};
  control_socket* owner = nullptr;
  std::string in, out;
  bool closing = false;

  void close() noexcept {
    if (closing) return;
    closing = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&pipe),
             [](uv_handle_t* h) noexcept { delete static_cast<client*>(h->data); });
  }

  void reply() noexcept {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&pipe));
    std::string line = in.substr(0, in.find('\n'));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    try {
      for (const std::string& l : owner->handler_(line)) out += l + "\n";
    } catch (const std::exception& e) {
      out = std::string("error: ") + e.what() + "\n";
    }
    uv_buf_t buf = uv_buf_init(out.data(), unsigned(out.size()));
    int r = uv_write(&write, reinterpret_cast<uv_stream_t*>(&pipe), &buf, 1,
                     [](uv_write_t* w, int) noexcept { static_cast<client*>(w->data)->close(); });
    if (r < 0) close();
  }
};

net::handle_ptr<control_socket> control_socket::open(uv_loop_t* loop, const std::string& path,
                                                     handler h, std::string& err) {
  net::handle_ptr<control_socket> s(new control_socket(path, std::move(h)));
  uv_pipe_init(loop, &s->pipe_, 0);
  s->pipe_.data = s.get();
  ::unlink(path.c_str());  // a stale socket from a previous run
  int r = uv_pipe_bind(&s->pipe_, path.c_str());
  if (r == 0) r = uv_listen(reinterpret_cast<uv_stream_t*>(&s->pipe_), 16, on_connection);
  if (r < 0) {
    err = path + ": " + uv_strerror(r);
    return nullptr;  // the deleter closes the pipe
  }
  ::chmod(path.c_str(), 0600);  // operators only: drain changes what every endpoint is told
  return s;
}

void control_socket::on_connection(uv_stream_t* server, int status) noexcept {
  if (status < 0) return;
  auto* self = static_cast<control_socket*>(server->data);
  auto* c = new client;
  c->owner = self;
  uv_pipe_init(server->loop, &c->pipe, 0);
  c->pipe.data = c;
  c->write.data = c;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->pipe)) < 0) {
    c->close();
    return;
  }
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&c->pipe),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
        static thread_local char scratch[1024];
        *buf = uv_buf_init(scratch, sizeof scratch);
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) noexcept {
        auto* c = static_cast<client*>(s->data);
        if (n < 0) {
          // EOF without a newline still counts as a command.
          if (n == UV_EOF && !c->in.empty()) c->reply();
          else c->close();
          return;
        }
        c->in.append(buf->base, size_t(n));
        if (c->in.find('\n') != std::string::npos) c->reply();
        else if (c->in.size() > 1024) c->close();
      });
}

void control_socket::close() noexcept {
  ::unlink(path_.c_str());
  uv_close(reinterpret_cast<uv_handle_t*>(&pipe_),
           [](uv_handle_t* h) noexcept { delete static_cast<control_socket*>(h->data); });
}

}  // namespace sipdns::control
