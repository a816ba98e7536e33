// Kept-open TCP connections for request/response probes.
#include "health/probe/tcp_link.hpp"

#include <algorithm>

#include "health/probe/probe_base.hpp"

namespace sipdns::health::detail {

namespace {
uv_stream_t* as_stream(uv_tcp_t* h) { return reinterpret_cast<uv_stream_t*>(h); }
}  // namespace

uv::handle_ptr<tcp_link> tcp_link::open(uv_loop_t* loop, const sockaddr_storage& to,
                                        int& status) {
  uv::handle_ptr<tcp_link> l(new tcp_link());
  status = l->adopt(&l->tcp_, uv_tcp_init_ex(loop, &l->tcp_, to.ss_family));
  if (status < 0) return nullptr;
  l->bind(&l->connect_);
  l->bind(&l->write_);
  (void)uv_tcp_nodelay(&l->tcp_, 1);  // one small request per probe: never wait to coalesce
  status = uv_tcp_connect(&l->connect_, &l->tcp_, reinterpret_cast<const sockaddr*>(&to),
                          on_connect);
  return status < 0 ? nullptr : std::move(l);
}

void tcp_link::attach(user* u) noexcept {
  user_ = u;
  inbox_.clear();  // whatever came while nobody listened (keep-alive CRLFs) is no answer
  if (open_) u->on_open(local_);
}

void tcp_link::detach(user* u, bool answered) noexcept {
  if (user_ != u) return;
  user_ = nullptr;
  if (answered) {
    ++exchanges_;
  } else if (!broken_) {
    broken_ = true;
    (void)uv_read_stop(as_stream(&tcp_));
  }
}

void tcp_link::fail(int status) noexcept {
  if (broken_) return;
  broken_ = true;
  open_ = false;
  (void)uv_read_stop(as_stream(&tcp_));
  if (user* u = user_) u->on_lost(status);
}

void tcp_link::on_connect(uv_connect_t* req, int status) noexcept {
  if (status == UV_ECANCELED) return;
  auto* self = owner_of<tcp_link>(req->data);
  if (self->closing() || self->broken_) return;
  if (status < 0) {
    self->fail(status);
    return;
  }
  int len = sizeof self->local_;
  if (int r = uv_tcp_getsockname(&self->tcp_, reinterpret_cast<sockaddr*>(&self->local_), &len);
      r < 0) {
    self->fail(r);
    return;
  }
  if (int r = uv_read_start(as_stream(&self->tcp_), on_alloc, on_read); r < 0) {
    self->fail(r);
    return;
  }
  self->open_ = true;
  if (user* u = self->user_) u->on_open(self->local_);
}

void tcp_link::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept { *buf = read_buffer(); }

void tcp_link::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* self = owner_of<tcp_link>(s->data);
  if (nread == 0 || self->broken_) return;
  if (nread < 0) {
    self->fail(static_cast<int>(nread));
    return;
  }
  if (self->user_ == nullptr) return;  // idle: keep-alives and strays are dropped
  try {
    self->inbox_.append(buf->base, static_cast<size_t>(nread));
  } catch (...) {
    self->fail(UV_ENOMEM);
    return;
  }
  self->user_->on_bytes(self->inbox_);
}

int tcp_link::write(std::string_view bytes) noexcept {
  if (broken_ || !open_) return UV_ENOTCONN;
  if (writing_) return UV_EBUSY;  // one request per probe, one probe at a time
  uv_buf_t b = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
  int n = uv_try_write(as_stream(&tcp_), &b, 1);
  if (n == static_cast<int>(bytes.size())) return 0;
  if (n < 0 && n != UV_EAGAIN) return n;
  try {
    writing_buf_.assign(bytes.substr(n < 0 ? 0 : static_cast<size_t>(n)));
  } catch (...) {
    return UV_ENOMEM;
  }
  b = uv_buf_init(writing_buf_.data(), static_cast<unsigned>(writing_buf_.size()));
  if (int r = uv_write(&write_, as_stream(&tcp_), &b, 1, on_write); r < 0) return r;
  writing_ = true;
  return 0;
}

void tcp_link::on_write(uv_write_t* req, int status) noexcept {
  if (status == UV_ECANCELED) return;
  auto* self = owner_of<tcp_link>(req->data);
  self->writing_ = false;
  if (status < 0) self->fail(status);
}

tcp_link* tcp_links::get(const sockaddr_storage& to, uv::handle_ptr<tcp_link>& own,
                         int& status) {
  status = 0;
  auto [it, added] = links_.try_emplace(endpoint_key(to));
  auto& slot = it->second;
  if (slot && !slot->broken() && !slot->busy()) return slot.get();
  if (slot && !slot->broken()) {  // busy: a link of the caller's own
    own = tcp_link::open(loop_, to, status);
    return own.get();
  }
  slot = tcp_link::open(loop_, to, status);  // none yet, or broken: closes the old one
  if (!slot) {
    links_.erase(it);
    return nullptr;
  }
  return slot.get();
}

void tcp_links::forget_idle() noexcept {
  std::erase_if(links_, [](const auto& kv) { return !kv.second || !kv.second->busy(); });
}

}  // namespace sipdns::health::detail
