// What a request/response probe (SIP OPTIONS, STUN Binding) says on the wire, independent of
// whether the bytes travel over UDP, TCP or TLS.
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "health/probe/probe.hpp"

namespace sipdns::health::detail {

// A decided probe; the latency is filled in by the probe that owns the exchange.
using verdict = std::optional<probe_result>;

class exchange {
 public:
  exchange() = default;
  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;
  virtual ~exchange() = default;

  // The request; `local` is our socket's own address (SIP writes it into Via and Contact).
  virtual std::string request(const sockaddr_storage& local) = 0;
  // Stream transports: `buffer` holds every byte received and not yet consumed. The exchange
  // removes the messages it has read from the front and returns a verdict once it has one.
  virtual verdict on_stream(std::string& buffer) = 0;
  // Datagram transports: one datagram, which may be a stray, a duplicate or malformed; those
  // are ignored (RFC 3261 section 17.1.3, RFC 5389 section 7.3).
  virtual verdict on_datagram(std::string_view datagram) = 0;
  // Upper bound of the doubling retransmission interval over UDP.
  virtual uint64_t max_retransmit_ms() const = 0;
};

}  // namespace sipdns::health::detail
