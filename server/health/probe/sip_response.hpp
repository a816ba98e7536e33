// SIP responses as a health check reads them (RFC 3261): stream framing, the few fields a
// probe needs, and the verdict they make.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "health/probe/probe.hpp"

namespace sipdns::health::detail {

// What the probe needs from a response; everything else is skipped. The fields view the
// message (or the scratch string it was parsed with): nothing is copied.
struct sip_response_view {
  uint16_t code = 0;
  std::string_view phrase;  // as received: sip_verdict makes it printable
  std::string_view branch;  // of the top Via (RFC 3261 section 17.1.3 matches on it)
  std::string_view call_id;
  std::optional<uint32_t> retry_after;  // RFC 3261 section 20.33: delta-seconds
};
// Parses one complete response (status line, headers, optional body). nullopt when it is not
// a well-formed SIP/2.0 response (a request is not a response either). A head with folded
// lines (section 7.3.1, rare) is joined into `scratch` first, which the result then views.
std::optional<sip_response_view> parse_sip_response(std::string_view message,
                                                    std::string& scratch);

// The same with owned fields and a printable phrase of at most sip_max_phrase bytes.
constexpr size_t sip_max_phrase = 64;
struct sip_response {
  uint16_t code = 0;
  std::string phrase;
  std::string branch;
  std::string call_id;
  std::optional<uint32_t> retry_after;
};
std::optional<sip_response> parse_sip_response(std::string_view message);

// Whether a message that is not a response starts like a request ("OPTIONS ... SIP/2.0").
bool is_sip_request(std::string_view message);

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

// Maps a final response to the probe's verdict: 503 is draining, up_codes are up, the rest
// down with the (printable) phrase.
probe_result sip_verdict(uint16_t code, std::string_view phrase,
                         std::optional<uint32_t> retry_after,
                         const std::vector<std::pair<uint16_t, uint16_t>>& up_codes);
probe_result sip_verdict(const sip_response& r,
                         const std::vector<std::pair<uint16_t, uint16_t>>& up_codes);

}  // namespace sipdns::health::detail
