// Unix-socket control channel: accept, read one line (at most max_line bytes), reply, close.
#include "control/control_socket.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <exception>

namespace sipdns::control {

using uv::as_handle;
using uv::as_stream;

// One connection; deletes itself after its pipe closed. The line is read into a fixed
// buffer; only the command's reply is built on the heap, inside a try block. The socket
// keeps its clients in a list, so closing it closes them (a silent client would otherwise
// hold the loop open at shutdown).
class control_socket::client final : public uv::handle_owner {
 public:
  // Closes the connection and forgets the socket (which is closing too).
  void detach() noexcept {
    owner_ = nullptr;
    close_handles();
  }

  // Accepts from `listener`, or returns nullptr (nothing to clean up).
  static client* accept(control_socket& owner, uv_stream_t* listener) noexcept {
    auto* c = new (std::nothrow) client(owner);
    if (c == nullptr) return nullptr;
    c->bind(&c->write_);
    c->next_ = owner.clients_;
    if (owner.clients_) owner.clients_->prev_ = c;
    owner.clients_ = c;
    if (c->adopt(&c->pipe_, uv_pipe_init(listener->loop, &c->pipe_, 0)) < 0 ||
        uv_accept(listener, as_stream(&c->pipe_)) < 0 ||
        uv_read_start(as_stream(&c->pipe_), on_alloc, on_read) < 0) {
      c->close_handles();
      return nullptr;
    }
    return c;
  }

 private:
  friend class control_socket;
  explicit client(control_socket& owner) : owner_(&owner) {}
  ~client() override {
    if (owner_ == nullptr) return;
    if (prev_) prev_->next_ = next_;
    else owner_->clients_ = next_;
    if (next_) next_->prev_ = prev_;
  }

  static void on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
    auto* c = owner_of<client>(h->data);
    *buf = uv_buf_init(c->in_.data() + c->len_, unsigned(c->in_.size() - c->len_));
  }

  static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t*) noexcept {
    auto* c = owner_of<client>(s->data);
    if (n < 0) {
      // EOF without a newline still counts as a command.
      if (n == UV_EOF && c->len_ > 0) c->reply();
      else c->close_handles();
      return;
    }
    c->len_ += size_t(n);
    if (std::memchr(c->in_.data(), '\n', c->len_) != nullptr) c->reply();
    else if (c->len_ == c->in_.size()) c->close_handles();  // no newline in max_line bytes
  }

  void reply() noexcept {
    (void)uv_read_stop(as_stream(&pipe_));  // cannot fail for a pipe
    std::string_view line(in_.data(), len_);
    line = line.substr(0, line.find('\n'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (owner_ == nullptr) return close_handles();
    std::string_view text = "error: out of memory\n";
    try {
      try {
        for (const std::string& l : owner_->handler_(std::string(line))) out_ += l + "\n";
      } catch (const std::exception& e) {
        out_ = std::string("error: ") + e.what() + "\n";
      }
      text = out_;
    } catch (...) {  // the error message itself could not be built
    }
    uv_buf_t buf = uv_buf_init(const_cast<char*>(text.data()), unsigned(text.size()));
    if (uv_write(&write_, as_stream(&pipe_), &buf, 1, [](uv_write_t* w, int) noexcept {
          owner_of<client>(w->data)->close_handles();
        }) < 0)
      close_handles();
  }

  control_socket* owner_;  // null once the socket closed
  client* prev_ = nullptr;
  client* next_ = nullptr;
  uv_pipe_t pipe_{};
  uv_write_t write_{};
  std::array<char, max_line> in_{};
  size_t len_ = 0;
  std::string out_;
};

uv::handle_ptr<control_socket> control_socket::open(uv_loop_t* loop, const std::string& path,
                                                    handler h, std::string& err) {
  uv::handle_ptr<control_socket> s(new control_socket(path, std::move(h)));
  int r = s->adopt(&s->pipe_, uv_pipe_init(loop, &s->pipe_, 0));
  if (r == 0) {
    ::unlink(path.c_str());  // a stale socket from a previous run
    r = uv_pipe_bind(&s->pipe_, path.c_str());
  }
  if (r == 0) r = uv_listen(as_stream(&s->pipe_), 16, on_connection);
  if (r < 0) {
    err = path + ": " + uv_strerror(r);
    return nullptr;  // the deleter closes the pipe
  }
  // Operators only: drain changes what every endpoint is told.
  if (::chmod(path.c_str(), 0600) < 0) {
    err = path + ": chmod: " + std::strerror(errno);
    return nullptr;
  }
  return s;
}

void control_socket::on_connection(uv_stream_t* server, int status) noexcept {
  if (status < 0) return;
  client::accept(*owner_of<control_socket>(server->data), server);
}

void control_socket::close() noexcept {
  if (!closing()) ::unlink(path_.c_str());
  while (clients_ != nullptr) {
    client* c = clients_;
    clients_ = c->next_;
    c->detach();
  }
  close_handles();
}

}  // namespace sipdns::control
