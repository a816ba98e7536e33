// SIP OPTIONS as a health check (RFC 3261 section 11): the request we send and the parts of
// the response we read.
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "health/probe/exchange.hpp"
#include "health/probe/probe.hpp"

namespace sipdns::health::detail {

// What the probe needs from a response; everything else is skipped.
struct sip_response {
  uint16_t code = 0;
  std::string phrase;
  std::string branch;  // of the top Via (RFC 3261 section 17.1.3 matches on it)
  std::string call_id;
  std::optional<uint32_t> retry_after;  // RFC 3261 section 20.33: delta-seconds
};

// Parses one complete response (status line, headers, optional body). nullopt when it is not
// a well-formed SIP/2.0 response (a request is not a response either).
std::optional<sip_response> parse_sip_response(std::string_view message);

// Stream framing (RFC 3261 section 18.3): the headers end at the first empty line and the body
// is Content-Length bytes. Leading CRLFs are keep-alives (RFC 5626 section 4.4.1) and belong to
// no message.
// Generous bounds (a health check response is a few hundred bytes): headers longer than
// sip_max_header_bytes or a Content-Length above sip_max_body_bytes are malformed.
constexpr size_t sip_max_header_bytes = 16 * 1024;
constexpr size_t sip_max_body_bytes = 64 * 1024;
enum class frame_status { incomplete, complete, malformed };
struct sip_frame {
  frame_status status = frame_status::incomplete;
  size_t skip = 0;    // keep-alive bytes before the message
  size_t length = 0;  // message bytes after `skip`
};
sip_frame frame_sip_message(std::string_view buffer);

// The identifiers one OPTIONS transaction is matched by.
struct sip_ids {
  std::string branch;  // "z9hG4bK" + random (RFC 3261 section 8.1.1.7)
  std::string from_tag;
  std::string call_id_local;  // random part of Call-ID; "@<local ip>" is appended
};
sip_ids make_sip_ids(std::mt19937_64& rng);

// The request text for `target` over `transport`, sent from `local`.
std::string build_options_request(const probe_target& target, probe_transport transport,
                                  const sockaddr_storage& local, const sip_ids& ids);

// Maps a final response to the probe's verdict: 503 is draining, up_codes are up.
probe_result sip_verdict(const sip_response& r,
                         const std::vector<std::pair<uint16_t, uint16_t>>& up_codes);

class sip_exchange final : public exchange {
 public:
  sip_exchange(const probe_target& target, probe_transport transport, std::mt19937_64& rng);
  std::string request(const sockaddr_storage& local) override;
  verdict on_stream(std::string& buffer) override;
  verdict on_datagram(std::string_view datagram) override;
  // RFC 3261 section 17.1.2.2: timer E doubles up to T2 = 4 s for non-INVITE requests.
  uint64_t max_retransmit_ms() const override { return 4000; }

 private:
  verdict consider(const sip_response& r) const;

  probe_target target_;
  probe_transport transport_;
  sip_ids ids_;
  std::string call_id_;
};

}  // namespace sipdns::health::detail
