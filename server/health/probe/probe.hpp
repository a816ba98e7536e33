// One health probe of one peer: TCP connect, TLS handshake, SIP OPTIONS or STUN Binding,
// event-driven on a libuv loop, with its own timeout.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sipdns::health {

// The probe's own vocabulary; health/targets.cpp translates the zone model's into it.
enum class probe_kind : uint8_t { tcp, tls, sip_options, stun };
enum class probe_transport : uint8_t { udp, tcp, tls };

// As in zone files and logs: "sip-options", "udp".
constexpr const char* to_text(probe_kind k) {
  switch (k) {
    case probe_kind::tcp: return "tcp";
    case probe_kind::tls: return "tls";
    case probe_kind::sip_options: return "sip-options";
    case probe_kind::stun: return "stun";
  }
  return "?";
}
constexpr const char* to_text(probe_transport t) {
  switch (t) {
    case probe_transport::udp: return "udp";
    case probe_transport::tcp: return "tcp";
    case probe_transport::tls: return "tls";
  }
  return "?";
}

enum class outcome : uint8_t {
  up,
  down,
  draining,  // SIP 503: the peer is in maintenance mode; keep probing, serve it no more
};

struct probe_result {
  outcome result = outcome::down;
  std::string reason;  // "ok", "timeout", "connection refused",
                       // "TLS: certificate verify failed", "SIP 503", ...
  uint32_t latency_ms = 0;
  std::optional<uint32_t> retry_after_s;  // from a 503's Retry-After header
};

struct probe_target {
  sockaddr_storage address{};  // IP and port to contact (always from the zone file)
  std::string host;            // peer FQDN without trailing dot: SNI, SIP URIs
  probe_kind kind = probe_kind::tcp;
  probe_transport transport = probe_transport::tcp;
  uint32_t timeout_ms = 400;  // as a zone file's health table (zone/README.md)
  std::vector<std::pair<uint16_t, uint16_t>> up_codes = {{200, 699}};
  bool tls_verify = false;
  std::string tls_ca_file;
  std::string tls_name;  // empty: `host`
};

// Runs probes on one loop. `start` returns at once; `done` is called exactly once per probe,
// on the loop thread, with the outcome (a timeout is an outcome too). `close_all` cancels
// every probe in flight (their callbacks are not called) and closes their handles; the loop
// must run afterwards until the handles are gone.
class probe_runner {
 public:
  using callback = std::function<void(const probe_result&)>;
  explicit probe_runner(uv_loop_t* loop);
  ~probe_runner();
  probe_runner(const probe_runner&) = delete;
  probe_runner& operator=(const probe_runner&) = delete;

  // The target is shared with the probe while it runs (no copy per probe).
  void start(std::shared_ptr<const probe_target> target, callback done);
  void start(const probe_target& target, callback done);
  void close_all() noexcept;
  // UDP probes share one connected socket per endpoint, kept open between probes; this
  // closes those no probe is using (after a reconfiguration dropped endpoints).
  void forget_idle_endpoints() noexcept;
  size_t in_flight() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sipdns::health
