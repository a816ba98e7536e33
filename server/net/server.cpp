// The front end of one event loop: owns listeners, connections, buffers and the snapshot.
#include "net/server.hpp"

#include <sys/mman.h>

#include <cstdio>
#include <new>

#include "net/tcp.hpp"
#include "net/udp.hpp"

namespace sipdns::net {

server::server(uv_loop_t* loop, server_config cfg, compile::snapshot_ptr snap)
    : loop_(loop),
      cfg_(std::move(cfg)),
      current_(std::move(snap)),
      snap_(current_.get()),
      out_(new uint8_t[out_size]) {
  void* p = ::mmap(nullptr, pending_slots * out_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  pending_pool_.reset(static_cast<uint8_t*>(p));
  if (cfg_.log_queries) query_ring_ = cfg_.log_queries->ring(cfg_.loop_index);
  for (size_t i = 0; i < pending_slots; ++i) free_pending_[i] = int(pending_slots - 1 - i);
  free_pending_count_ = pending_slots;
}

server::~server() { close(); }

void server::unmap::operator()(uint8_t* p) const noexcept {
  ::munmap(p, pending_slots * out_size);
}

bool server::start(std::string& err) {
  for (const endpoint& ep : cfg_.listen) {
    auto u = udp_listener::open(*this, ep, err);
    if (!u) return false;
    udp_.push_back(std::move(u));
    auto t = tcp_listener::open(*this, ep, err);
    if (!t) return false;
    tcp_.push_back(std::move(t));
  }
  return true;
}

void server::close() noexcept {
  if (closed_) return;
  closed_ = true;
  udp_.clear();  // handle_ptr: starts uv_close, memory goes in the close callback
  tcp_.clear();
  while (connections_head_ != nullptr) connections_head_->close();  // close() unlinks
}

std::vector<endpoint> server::udp_endpoints() const {
  std::vector<endpoint> out;
  for (const auto& u : udp_) out.push_back(u->local_endpoint());
  return out;
}

std::vector<endpoint> server::tcp_endpoints() const {
  std::vector<endpoint> out;
  for (const auto& t : tcp_) out.push_back(t->local_endpoint());
  return out;
}

void server::set_snapshot(compile::snapshot_ptr snap) noexcept {
  if (!snap) return;
  // The old snapshot is released here, on the loop thread, when no query is in flight.
  current_ = std::move(snap);
  snap_ = current_.get();
  if (cfg_.swapped) cfg_.swapped(cfg_.loop_index, snap_->generation);
}

std::span<uint8_t> server::take_pending(int& slot) noexcept {
  if (free_pending_count_ == 0) {
    slot = -1;
    return {};
  }
  slot = free_pending_[--free_pending_count_];
  return {pending_pool_.get() + size_t(slot) * out_size, out_size};
}

void server::give_back_pending(int slot) noexcept {
  if (slot >= 0) free_pending_[free_pending_count_++] = slot;
}

bool server::admit(tcp_connection* c) noexcept {
  if (auto it = per_client_.find(c->client_);
      it != per_client_.end() && it->second >= cfg_.tcp_max_per_client)
    return false;
  if (connections_ >= cfg_.tcp_max_connections) {
    if (connections_tail_ == nullptr) return false;  // a cap of 0: no TCP at all
    connections_tail_->close();  // close() unlinks it (and may erase a per_client_ entry)
  }
  try {
    ++per_client_[c->client_];
  } catch (...) {
    return false;  // out of memory: refusing one connection is the least harm
  }
  link(c);
  return true;
}

void server::link(tcp_connection* c) noexcept {
  c->next_ = connections_head_;
  c->prev_ = nullptr;
  if (connections_head_)
    connections_head_->prev_ = c;
  else
    connections_tail_ = c;
  connections_head_ = c;
  c->linked_ = true;
  ++connections_;
  counters_.tcp_connections.add();
}

void server::unlink(tcp_connection* c) noexcept {
  if (c->prev_)
    c->prev_->next_ = c->next_;
  else
    connections_head_ = c->next_;
  if (c->next_)
    c->next_->prev_ = c->prev_;
  else
    connections_tail_ = c->prev_;
  c->prev_ = c->next_ = nullptr;
  c->linked_ = false;
  --connections_;
  counters_.tcp_connections.sub();
  if (auto it = per_client_.find(c->client_); it != per_client_.end() && --it->second == 0)
    per_client_.erase(it);
}

void server::touch(tcp_connection* c) noexcept {
  if (!c->linked_ || c == connections_head_) return;
  // Unlink without touching the counts, then put it first.
  c->prev_->next_ = c->next_;  // not the head, so prev_ is set
  if (c->next_)
    c->next_->prev_ = c->prev_;
  else
    connections_tail_ = c->prev_;
  c->prev_ = nullptr;
  c->next_ = connections_head_;
  connections_head_->prev_ = c;
  connections_head_ = c;
}

}  // namespace sipdns::net
