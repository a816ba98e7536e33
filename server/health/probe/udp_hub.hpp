// One UDP socket per address family for every UDP probe, with batched system calls.
//
// Design: with a connected socket per endpoint, each probe cost a sendmsg, a recvmsg and a
// recvmsg that found nothing more (30 us a probe on this 2-core VM, 10,000 checks = 30 % of a
// core, most of it system call entry). The hub sends every request queued during one turn of
// the loop with one sendmmsg (probes due in the same 10 ms slot start together) and reads
// answers with recvmmsg, 32 at a time. An unconnected socket hears anyone, so a datagram only
// reaches the probes of the endpoint it came from, and each exchange still accepts only its own
// transaction (branch and Call-ID, STUN transaction ID). ICMP port unreachable (a dead peer)
// still ends the probe at once: IP_RECVERR queues it with the destination it was sent to.
#pragma once
#include <sys/socket.h>
#include <uv.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "health/probe/sockaddr_text.hpp"

namespace sipdns::health::detail {

class udp_hub;

// The probes of one endpoint (address and port) and our source address towards it.
class udp_endpoint {
 public:
  class user {
   public:
    virtual void on_datagram(std::string_view d) noexcept = 0;
    virtual void on_error(int status) noexcept = 0;  // a libuv status (UV_ECONNREFUSED)

   protected:
    ~user() = default;
  };
  // The address the kernel sends from to this endpoint, for SIP's Via and Contact.
  const sockaddr_storage& local() const noexcept { return local_; }
  // Queued; sent before the loop next waits. 0, or a libuv error.
  int send(std::string_view bytes) noexcept;
  void attach(user* u);
  void detach(user* u) noexcept;
  bool idle() const noexcept { return users_.empty(); }

 private:
  friend class udp_hub;
  udp_hub* hub_ = nullptr;
  sockaddr_storage to_{};
  sockaddr_storage local_{};
  std::vector<user*> users_;
};

class udp_hub {
 public:
  explicit udp_hub(uv_loop_t* loop) : loop_(loop) {}
  ~udp_hub();
  udp_hub(const udp_hub&) = delete;
  udp_hub& operator=(const udp_hub&) = delete;

  // The endpoint `to` (stable until forget_idle drops it); null with a libuv `status`.
  udp_endpoint* endpoint(const sockaddr_storage& to, int& status);
  void forget_idle() noexcept;
  // Closes the sockets (their handles close on the loop); endpoints must have no users.
  void clear() noexcept;

 private:
  friend class udp_endpoint;
  struct socket_state;  // one per family: descriptor, poll and prepare handles, queues
  socket_state* socket_for(int family, int& status);
  int queue(udp_endpoint& e, std::string_view bytes) noexcept;

  uv_loop_t* loop_;
  std::unordered_map<endpoint_key, udp_endpoint, endpoint_hash> endpoints_;
  std::array<socket_state*, 2> sockets_{};  // AF_INET, AF_INET6; owned, freed on close
};

}  // namespace sipdns::health::detail
