// One unconnected UDP socket per family: sendmmsg before the loop waits, recvmmsg on input,
// ICMP errors from the error queue.
#include "health/probe/udp_hub.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "uv/owner.hpp"

namespace sipdns::health::detail {

namespace {

constexpr size_t recv_batch = 8;
constexpr size_t recv_size = 64 * 1024;  // the largest UDP payload: nothing is cut
constexpr size_t send_batch = 64;

int uv_status(int err) { return -err; }  // libuv's status codes are negated errno on Unix

// Our source address towards `to`, as connect() would choose it (routing, not guessing).
int source_for(const sockaddr_storage& to, sockaddr_storage& local) {
  int fd = ::socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return uv_status(errno);
  int r = 0;
  socklen_t len = sizeof local;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sockaddr_length(to)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0)
    r = uv_status(errno);
  ::close(fd);
  return r;
}

}  // namespace

struct udp_hub::socket_state final : public uv::handle_owner {
  udp_hub* hub = nullptr;
  int fd = -1;
  uv_poll_t poll{};
  uv_prepare_t prepare{};
  bool polling = false;
  // Requests queued in this turn of the loop: their bytes in one arena, sent by flush().
  struct pending {
    size_t offset, length;
    sockaddr_storage to;
  };
  std::string arena;
  std::vector<pending> queue;
  std::array<mmsghdr, send_batch> out{};
  std::array<iovec, send_batch> out_iov{};
  std::vector<char> in_bytes = std::vector<char>(recv_batch * recv_size);
  std::array<mmsghdr, recv_batch> in{};
  std::array<iovec, recv_batch> in_iov{};
  std::array<sockaddr_storage, recv_batch> in_from{};

  ~socket_state() override {
    if (fd >= 0) ::close(fd);
  }
  void close() noexcept {
    hub = nullptr;
    close_handles();
  }
  int init(uv_loop_t* loop) noexcept {
    if (int r = adopt(&poll, uv_poll_init(loop, &poll, fd)); r < 0) return r;
    return adopt(&prepare, uv_prepare_init(loop, &prepare));
  }
  void flush() noexcept;
  void receive() noexcept;
  void read_errors() noexcept;
  void start_polling() noexcept {
    polling = uv_poll_start(&poll, UV_READABLE, on_poll) == 0;
  }
  static void on_poll(uv_poll_t* p, int status, int events) noexcept;
  static void on_prepare(uv_prepare_t* p) noexcept;
};

udp_hub::~udp_hub() { clear(); }

udp_hub::socket_state* udp_hub::socket_for(int family, int& status) {
  const size_t slot = family == AF_INET6 ? 1 : 0;
  if (sockets_[slot] != nullptr) return sockets_[slot];
  auto* s = new socket_state();
  s->hub = this;
  s->fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  sockaddr_storage any{};
  any.ss_family = static_cast<sa_family_t>(family);
  if (s->fd < 0 ||
      (family == AF_INET6
           ? ::setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one)
           : ::setsockopt(s->fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one)) != 0 ||
      ::bind(s->fd, reinterpret_cast<sockaddr*>(&any), sockaddr_length(any)) != 0) {
    status = uv_status(errno);
    s->close();  // no handle adopted yet: deleted at once (its destructor closes fd)
    return nullptr;
  }
  if ((status = s->init(loop_)) < 0) {
    s->close();
    return nullptr;
  }
  s->start_polling();
  for (size_t i = 0; i < recv_batch; ++i) {
    s->in_iov[i] = {s->in_bytes.data() + i * recv_size, recv_size};
    s->in[i].msg_hdr.msg_iov = &s->in_iov[i];
    s->in[i].msg_hdr.msg_iovlen = 1;
    s->in[i].msg_hdr.msg_name = &s->in_from[i];
  }
  sockets_[slot] = s;
  return s;
}

udp_endpoint* udp_hub::endpoint(const sockaddr_storage& to, int& status) {
  status = 0;
  if (socket_for(to.ss_family, status) == nullptr) return nullptr;
  auto [it, added] = endpoints_.try_emplace(endpoint_key(to));
  udp_endpoint& e = it->second;
  if (added) {
    e.hub_ = this;
    e.to_ = to;
    if ((status = source_for(to, e.local_)) < 0) {
      endpoints_.erase(it);
      return nullptr;
    }
  }
  return &e;
}

void udp_hub::forget_idle() noexcept {
  std::erase_if(endpoints_, [](const auto& kv) { return kv.second.idle(); });
}

void udp_hub::clear() noexcept {
  endpoints_.clear();
  for (auto*& s : sockets_) {
    if (s != nullptr) s->close();
    s = nullptr;
  }
}

int udp_hub::queue(udp_endpoint& e, std::string_view bytes) noexcept {
  socket_state* s = sockets_[e.to_.ss_family == AF_INET6 ? 1 : 0];
  if (s == nullptr) return UV_EBADF;
  try {
    s->queue.push_back({s->arena.size(), bytes.size(), e.to_});
    s->arena.append(bytes);
  } catch (...) {
    return UV_ENOMEM;
  }
  if (s->queue.size() == 1) (void)uv_prepare_start(&s->prepare, socket_state::on_prepare);
  if (s->queue.size() >= send_batch) s->flush();
  return 0;
}

int udp_endpoint::send(std::string_view bytes) noexcept { return hub_->queue(*this, bytes); }

void udp_endpoint::attach(user* u) { users_.push_back(u); }

void udp_endpoint::detach(user* u) noexcept {
  users_.erase(std::remove(users_.begin(), users_.end(), u), users_.end());
}

void udp_hub::socket_state::on_prepare(uv_prepare_t* p) noexcept {
  owner_of<socket_state>(p->data)->flush();
}

void udp_hub::socket_state::flush() noexcept {
  (void)uv_prepare_stop(&prepare);
  size_t done = 0, failures = 0;
  while (done < queue.size()) {
    const size_t n = std::min(send_batch, queue.size() - done);
    for (size_t i = 0; i < n; ++i) {
      pending& q = queue[done + i];
      out_iov[i] = {arena.data() + q.offset, q.length};
      out[i].msg_hdr = {};
      out[i].msg_hdr.msg_name = &q.to;
      out[i].msg_hdr.msg_namelen = sockaddr_length(q.to);
      out[i].msg_hdr.msg_iov = &out_iov[i];
      out[i].msg_hdr.msg_iovlen = 1;
    }
    int r = ::sendmmsg(fd, out.data(), static_cast<unsigned>(n), 0);
    if (r > 0) {
      done += static_cast<size_t>(r);
      continue;
    }
    if (++failures > send_batch) break;  // bounded whatever the kernel says
    // An ICMP error of an earlier datagram may surface here (IP_RECVERR); it waits in the
    // error queue for its probe, so send again. Anything else (a full buffer) loses this
    // datagram: the probe retransmits or times out.
    if (r < 0 && (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
                  errno == ENETUNREACH))
      continue;
    ++done;
  }
  queue.clear();
  arena.clear();  // keeps its capacity: no allocation in the next turn
}

void udp_hub::socket_state::on_poll(uv_poll_t* p, int status, int) noexcept {
  auto* self = owner_of<socket_state>(p->data);
  if (self->hub == nullptr) return;
  // libuv stops the handle and reports UV_EBADF on POLLERR: the error queue has entries.
  if (status < 0) self->read_errors();
  self->receive();
  if (status < 0 && self->hub != nullptr) self->start_polling();
}

void udp_hub::socket_state::receive() noexcept {
  for (int rounds = 0; rounds < 64 && hub != nullptr; ++rounds) {  // bounded per wake-up
    for (size_t i = 0; i < recv_batch; ++i) {
      in[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      in[i].msg_hdr.msg_flags = 0;
    }
    int n = ::recvmmsg(fd, in.data(), recv_batch, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
          errno == ENETUNREACH)
        continue;  // an ICMP error consumed: its details are in the error queue
      return;
    }
    for (int i = 0; i < n && hub != nullptr; ++i) {
      if ((in[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) continue;
      auto it = hub->endpoints_.find(endpoint_key(in_from[i]));
      if (it == hub->endpoints_.end()) continue;  // not from a peer we probe
      std::string_view d(static_cast<const char*>(in_iov[i].iov_base), in[i].msg_len);
      // A user may finish (and detach) while offered the datagram: walk a copy of the list
      // by index and re-check membership.
      auto& users = it->second.users_;
      for (size_t k = users.size(); k-- > 0;) {
        if (hub == nullptr) return;  // a callback destroyed the runner, and the map
        if (k < users.size()) users[k]->on_datagram(d);
      }
    }
    if (static_cast<size_t>(n) < recv_batch) return;
  }
}

void udp_hub::socket_state::read_errors() noexcept {
  for (int rounds = 0; rounds < 256 && hub != nullptr; ++rounds) {
    sockaddr_storage to{};
    alignas(cmsghdr) char control[512];
    char data[64];
    iovec iov{data, sizeof data};
    msghdr m{};
    m.msg_name = &to;
    m.msg_namelen = sizeof to;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    if (::recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return;
    int err = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
      if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
          (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
        sock_extended_err ee{};
        std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
        if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6)
          err = static_cast<int>(ee.ee_errno);
      }
    }
    if (err == 0) continue;
    auto it = hub->endpoints_.find(endpoint_key(to));
    if (it == hub->endpoints_.end()) continue;
    auto& users = it->second.users_;
    for (size_t k = users.size(); k-- > 0;) {
      if (hub == nullptr) return;  // a callback destroyed the runner, and the map
      if (k < users.size()) users[k]->on_error(uv_status(err));
    }
  }
}

}  // namespace sipdns::health::detail
