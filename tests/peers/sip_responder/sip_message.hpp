// The SIP side of the test responder: parse a request, build the response RFC 3261 section
// 8.2.6 prescribes (Via, From, To, Call-ID and CSeq copied; a To tag added).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sip_responder {

struct request {
  std::string method;
  std::vector<std::string> vias;  // every Via value, top first, one entry per header line
  std::string from, to, call_id, cseq;
};

// nullopt when `message` is not a SIP/2.0 request with Via, From, To, Call-ID and CSeq.
std::optional<request> parse_request(std::string_view message);

// Stream framing: returns the length of the first whole message after skipping leading CRLFs
// (`skip` is set), 0 if incomplete, nullopt if it can never be a SIP message.
std::optional<size_t> frame(std::string_view buffer, size_t& skip);

struct answer_options {
  uint16_t code = 200;
  std::optional<uint32_t> retry_after;  // sent with 503 only (RFC 3261 section 20.33)
  // For UDP: the source the request came from, recorded in the top Via (RFC 3261 section
  // 18.2.1 "received", RFC 3581 "rport").
  std::string received_ip;
  uint16_t received_port = 0;
  std::string to_tag;
};

std::string build_response(const request& r, const answer_options& o);
const char* reason_phrase(uint16_t code);

}  // namespace sip_responder
