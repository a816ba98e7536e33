// probe_runner: picks the probe for a target, owns the randomness and the TLS contexts.
#include <random>
#include <string>
#include <unordered_map>
#include <utility>

#include "health/probe/datagram_probe.hpp"
#include "health/probe/link_probe.hpp"
#include "health/probe/probe.hpp"
#include "health/probe/probe_base.hpp"
#include "health/probe/sip_options.hpp"
#include "health/probe/sockaddr_text.hpp"
#include "health/probe/stream_probe.hpp"
#include "health/probe/stun.hpp"
#include "health/probe/tcp_link.hpp"
#include "health/probe/tls_session.hpp"
#include "health/probe/udp_hub.hpp"

namespace sipdns::health {

using namespace detail;

struct probe_runner::impl {
  explicit impl(uv_loop_t* l) : loop(l), udp(l), links(l) {}
  uv_loop_t* loop;
  probe_list probes;
  std::mt19937_64 rng{std::random_device{}()};
  tls_context_cache tls;
  // Every UDP probe's socket, one per family, with batched sends (udp_hub.hpp).
  udp_hub udp;
  // One kept-open connection per TCP endpoint for SIP OPTIONS and STUN (tcp_link.hpp).
  tcp_links links;

  udp_endpoint* channel(const sockaddr_storage& to, std::string& err) {
    int r = 0;
    udp_endpoint* e = udp.endpoint(to, r);
    if (e == nullptr) err = r == UV_ECONNREFUSED ? "connection refused" : uv_strerror(r);
    return e;
  }
};

namespace {

// A probe that has already failed before touching the network (bad address, CA file).
class failed_probe final : public probe_base {
 public:
  failed_probe(uv_loop_t* loop, probe_list& list, probe_runner::callback done, uint32_t timeout,
               std::string reason)
      : probe_base(loop, list, std::move(done), timeout), reason_(std::move(reason)) {}

 private:
  void begin() noexcept override {
    finish_soon({outcome::down, std::move(reason_), 0, std::nullopt});
  }
  std::string reason_;
};

}  // namespace

probe_runner::probe_runner(uv_loop_t* loop) : impl_(std::make_unique<impl>(loop)) {}

probe_runner::~probe_runner() { close_all(); }

void probe_runner::start(std::shared_ptr<const probe_target> shared, callback done) {
  impl& m = *impl_;
  const probe_target& target = *shared;
  probe_base* p = nullptr;
  const bool address_ok = sockaddr_length(target.address) != 0 && port_of(target.address) != 0;
  // Plain TCP and TLS checks are connections; the others use the configured transport.
  const bool wants_tls =
      target.kind == probe_kind::tls ||
      (target.kind != probe_kind::tcp && target.transport == probe_transport::tls);
  const bool datagram =
      (target.kind == probe_kind::sip_options || target.kind == probe_kind::stun) &&
      target.transport == probe_transport::udp;

  std::string err;
  std::unique_ptr<tls_session> tls;
  if (!address_ok) {
    err = "invalid address";
  } else if (wants_tls) {
    if (SSL_CTX* ctx = m.tls.get(target.tls_verify, target.tls_ca_file, err)) {
      const std::string& name = target.tls_name.empty() ? target.host : target.tls_name;
      tls = std::make_unique<tls_session>(ctx, target.host.empty() ? name : target.host,
                                          target.tls_verify ? name : std::string());
      if (!tls->valid()) err = tls->error();
    }
  }
  if (!err.empty()) {
    p = new failed_probe(m.loop, m.probes, std::move(done), target.timeout_ms, std::move(err));
    p->start();
    return;
  }

  std::unique_ptr<exchange> ex;
  const auto app_transport = wants_tls  ? probe_transport::tls
                             : datagram ? probe_transport::udp
                                        : probe_transport::tcp;
  if (target.kind == probe_kind::sip_options) {
    ex = std::make_unique<sip_exchange>(std::move(shared), app_transport, m.rng);
  } else if (target.kind == probe_kind::stun) {
    ex = std::make_unique<stun_exchange>(m.rng);
  }
  if (datagram) {
    udp_endpoint* c = m.channel(target.address, err);
    if (!c) {
      p = new failed_probe(m.loop, m.probes, std::move(done), target.timeout_ms, std::move(err));
      p->start();
      return;
    }
    p = new datagram_probe(m.loop, m.probes, std::move(done), target, std::move(ex), *c);
  } else if (ex && !tls) {
    p = new link_probe(m.loop, m.probes, std::move(done), target, std::move(ex), m.links);
  } else {
    p = new stream_probe(m.loop, m.probes, std::move(done), target, std::move(tls), std::move(ex));
  }
  p->start();
}

void probe_runner::start(const probe_target& target, callback done) {
  start(std::make_shared<const probe_target>(target), std::move(done));
}

void probe_runner::close_all() noexcept {
  while (impl_->probes.head != nullptr) impl_->probes.head->cancel();
  impl_->udp.clear();  // no probe uses it any more
  impl_->links.clear();
}

void probe_runner::forget_idle_endpoints() noexcept {
  impl_->udp.forget_idle();
  impl_->links.forget_idle();
}

size_t probe_runner::in_flight() const noexcept { return impl_->probes.count; }

}  // namespace sipdns::health
