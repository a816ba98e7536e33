// STUN Binding (RFC 5389) as a health check: the request we send and the response we accept.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "health/probe/exchange.hpp"

namespace sipdns::health::detail {

constexpr uint32_t stun_magic_cookie = 0x2112A442;  // RFC 5389 section 6
constexpr uint16_t stun_binding_request = 0x0001;
constexpr uint16_t stun_binding_success = 0x0101;
constexpr uint16_t stun_binding_error = 0x0111;
constexpr size_t stun_header_size = 20;

using stun_transaction_id = std::array<uint8_t, 12>;

// A Binding Request without attributes (RFC 5389 section 7.1 needs none).
std::string build_stun_binding_request(const stun_transaction_id& id);

// Bytes of the first whole message in a stream buffer (RFC 5389 section 7.2.2: over TCP the
// header's length field frames the message); 0 while incomplete; nullopt if the header is not
// STUN (top two bits set, wrong cookie, length not a multiple of 4).
std::optional<size_t> frame_stun_message(std::string_view buffer);

struct stun_reply {
  uint16_t type = 0;
  std::optional<uint16_t> error_code;  // ERROR-CODE attribute of an error response
};
// Parses one whole message; nullopt when it is malformed or not for transaction `id`.
std::optional<stun_reply> parse_stun_reply(std::string_view message, const stun_transaction_id& id);

class stun_exchange final : public exchange {
 public:
  explicit stun_exchange(std::mt19937_64& rng);
  std::string request(const sockaddr_storage& local) override;
  verdict on_stream(std::string& buffer) override;
  verdict on_datagram(std::string_view datagram) override;
  // RFC 5389 section 7.2.1: the RTO doubles without a cap; the probe timeout bounds it.
  uint64_t max_retransmit_ms() const override { return UINT32_MAX; }

 private:
  verdict consider(const stun_reply& r) const;
  stun_transaction_id id_{};
};

}  // namespace sipdns::health::detail
