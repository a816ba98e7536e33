// SIP OPTIONS as a health check (RFC 3261 section 11): the transaction's identifiers, the
// request we send, and the exchange that reads the response (sip_response.hpp).
#pragma once
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "health/probe/exchange.hpp"
#include "health/probe/probe.hpp"
#include "health/probe/sip_response.hpp"

namespace sipdns::health::detail {

// Text of at most N bytes kept inline, so a probe's identifiers never touch the heap; longer
// input is cut (never the case for what the probe writes into them).
template <size_t N>
class inline_text {
 public:
  inline_text() = default;
  inline_text(std::string_view s) { append(s); }  // NOLINT: as easy to fill as a string
  inline_text(const char* s) : inline_text(std::string_view(s)) {}
  void append(std::string_view s) {
    const size_t n = std::min(s.size(), N - size_);
    std::memcpy(data_.data() + size_, s.data(), n);
    size_ += n;
  }
  std::string_view view() const { return {data_.data(), size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: appended to strings
  friend bool operator==(const inline_text& a, const inline_text& b) {
    return a.view() == b.view();
  }

 private:
  std::array<char, N> data_{};
  size_t size_ = 0;
};

// The identifiers one OPTIONS transaction is matched by.
struct sip_ids {
  inline_text<32> branch;         // "z9hG4bK" + 24 random hex digits (RFC 3261 8.1.1.7)
  inline_text<16> from_tag;       // 12 random hex digits
  inline_text<32> call_id_local;  // random part of Call-ID; "@<local ip>" is appended
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
  sip_exchange(std::shared_ptr<const probe_target> target, probe_transport transport,
               std::mt19937_64& rng);
  std::string request(const sockaddr_storage& local) override;
  verdict on_stream(std::string& buffer) override;
  verdict on_datagram(std::string_view datagram) override;
  // RFC 3261 section 17.1.2.2: timer E doubles up to T2 = 4 s for non-INVITE requests.
  uint64_t max_retransmit_ms() const override { return 4000; }

 private:
  verdict consider(const sip_response_view& r) const;

  std::shared_ptr<const probe_target> target_;
  probe_transport transport_;
  sip_ids ids_;
  inline_text<96> call_id_;  // call_id_local@<local ip>: 32 + 1 + at most 47 ("[IPv6]")
  std::string scratch_;      // for the rare response with folded header lines
};

}  // namespace sipdns::health::detail
