// The messages of a zone transfer (RFC 5936), built from a derived zone: what secondaries
// receive is exactly what sipdnsd serves, health filtering included.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "zone/derive.hpp"

namespace sipdns::xfr {

using message = std::vector<uint8_t>;

// The SOA record's rdata with `serial` in place of the zone file's (the served serial).
std::string soa_rdata_with_serial(const std::string& rdata, uint32_t serial);

// AXFR response to `query` (a parsed DNS message; `question_end` = offset past its question):
// SOA, every other record of `z`, SOA again (section 2.2), in messages of at most `max_bytes`
// (names uncompressed, each message self-contained). The first message echoes the question,
// later ones carry none (section 2.2.1). Every message: ID of the query, QR, AA, NOERROR.
std::vector<message> axfr_messages(std::span<const uint8_t> query, size_t question_end,
                                   const zone::expanded_zone& z, uint32_t serial,
                                   size_t max_bytes = 16 * 1024);
// The same from a SOA and records held elsewhere (a zone file's records that are already
// what is served: no copy of them is made).
std::vector<message> axfr_messages(std::span<const uint8_t> query, size_t question_end,
                                   const zone::record& soa, std::span<const zone::record> records,
                                   uint32_t serial, size_t max_bytes = 16 * 1024);

// Fills transfer messages: the question in the first, a new message when the next RR would
// pass `max_bytes`.
class packer {
 public:
  packer(std::span<const uint8_t> query, size_t question_end, size_t max_bytes);
  void add(const zone::record& r, const std::string& rdata);
  void add(const zone::record& r) { add(r, r.rdata); }
  std::vector<message> take() { return std::move(out_); }

 private:
  std::span<const uint8_t> query_;
  size_t question_end_, max_bytes_;
  std::vector<message> out_;
};

// A one-message reply with `rcode` (REFUSED, NOTAUTH ...), the question echoed.
message error_reply(std::span<const uint8_t> query, size_t question_end, uint16_t rcode);

}  // namespace sipdns::xfr
