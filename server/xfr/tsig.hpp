// TSIG (RFC 8945): shared-secret keys, verifying a signed request, signing the response
// messages of a transfer and NOTIFY. HMAC from OpenSSL.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "xfr/axfr.hpp"

namespace sipdns::xfr {

struct tsig_key {
  std::string name;       // lower-cased wire name
  std::string algorithm;  // lower-cased wire name: hmac-sha256. hmac-sha512. hmac-sha1. ...
  std::string secret;     // decoded bytes
};

// Keys by wire name. Reads the format `tsig-keygen` (BIND) writes, several keys per file:
//   key "name" { algorithm hmac-sha256; secret "base64"; };
// False with `err` ("FILE:LINE: ...") on anything else.
bool read_key_file(const std::string& path, std::map<std::string, tsig_key>& keys,
                   std::string& err);
bool supported_algorithm(const std::string& text);  // "hmac-sha256", ...
// A key name as text ("transfer-key", "xfr.example.") in lower-cased wire form; empty when
// it is not a plain name.
std::string key_wire_name(const std::string& text);

// TSIG errors (RFC 8945 section 5.2), carried in the TSIG RR with RCODE NOTAUTH.
enum class tsig_error : uint16_t { none = 0, badsig = 16, badkey = 17, badtime = 18 };

// What the last additional record of a request says, when it is a TSIG.
struct tsig_request {
  bool present = false;
  std::string key_name;   // lower-cased wire
  std::string algorithm;  // lower-cased wire, as the request named it
  const tsig_key* key = nullptr;
  tsig_error error = tsig_error::none;  // of the verification
  std::string mac;                      // the request's MAC, to chain the response's
};

// Finds and verifies the TSIG of `query` (question_end: past its question) at `now` (Unix
// seconds). A message without TSIG gives present = false; a malformed TSIG gives BADSIG.
tsig_request verify_request(std::span<const uint8_t> query, size_t question_end,
                            const std::map<std::string, tsig_key>& keys, uint64_t now);

// Signs response messages in order (RFC 8945 section 5.3: the first over the request MAC and
// every TSIG variable, later ones over the previous MAC and the timers), appending a TSIG
// RR to each. Unsigned error replies (BADKEY, BADSIG) go through `unsigned_error`.
class tsig_signer {
 public:
  tsig_signer(const tsig_key& key, std::string request_mac, uint64_t now);
  void sign(message& m, tsig_error error = tsig_error::none);

 private:
  const tsig_key& key_;
  std::string prior_mac_;
  uint64_t now_;
  bool first_ = true;
};

// The TSIG RR of an error reply that cannot be signed (unknown key, bad MAC): MAC size 0.
void append_unsigned_tsig(message& m, const std::string& key_name, const std::string& algorithm,
                          uint64_t now, tsig_error error);

}  // namespace sipdns::xfr
