// A request/response probe (SIP OPTIONS, STUN Binding) over the endpoint's kept-open TCP
// connection (tcp_link.hpp).
#pragma once
#include <uv.h>

#include <memory>
#include <string>

#include "health/probe/exchange.hpp"
#include "health/probe/probe_base.hpp"
#include "health/probe/tcp_link.hpp"

namespace sipdns::health::detail {

// If a link that has already carried an exchange fails before any byte of the answer (the
// peer closed an idle connection, or restarted), the probe connects once more: only a
// failure on a fresh connection counts against the peer.
class link_probe final : public probe_base, private tcp_link::user {
 public:
  // `links` must outlive the probe (the runner cancels probes before it goes).
  link_probe(uv_loop_t* loop, probe_list& list, probe_runner::callback done,
             const probe_target& target, std::unique_ptr<exchange> ex, tcp_links& links);

 private:
  void begin() noexcept override;
  void release() noexcept override;
  void on_open(const sockaddr_storage& local) noexcept override;
  void on_bytes(std::string& inbox) noexcept override;
  void on_lost(int status) noexcept override;
  // Takes a link and attaches; false (and the result on its way) if none can be opened.
  bool take_link() noexcept;
  void let_go() noexcept;

  sockaddr_storage address_;
  std::unique_ptr<exchange> exchange_;
  tcp_links* links_;
  tcp_link* link_ = nullptr;
  uv::handle_ptr<tcp_link> own_;  // when the endpoint's kept link was busy
  bool reused_ = false;           // link_ had carried an exchange before this probe
  bool retried_ = false;
  bool heard_ = false;    // a byte of the answer arrived
  bool answered_ = false;  // the exchange gave its verdict
};

}  // namespace sipdns::health::detail
