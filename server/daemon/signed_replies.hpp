// Replies to ordinary queries that carry a TSIG (RFC 8945): a secondary's SOA refresh (BIND
// signs it with the transfer key and rejects an unsigned answer), or `dig -y`.
//
// Design: the answer path answers such a query as any other and leaves room for the TSIG;
// this signs the reply in place, or replaces it with the TSIG error (NOTAUTH with BADKEY,
// BADSIG or, signed, BADTIME). It allocates and hashes, so it runs only for signed queries.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "xfr/tsig.hpp"

namespace sipdns::daemon {

// `reply` holds the unsigned reply's `len` bytes; returns the length of what to send (0 when
// nothing fits, which cannot happen for the room the answer path leaves).
size_t sign_reply(const std::map<std::string, xfr::tsig_key>& keys,
                  std::span<const uint8_t> query, std::span<uint8_t> reply, size_t len,
                  uint64_t now);

// The TSIG error reply (NOTAUTH; BADTIME signed, BADKEY/BADSIG not) for a request whose
// signature failed; shared with transfers.
xfr::message tsig_error_reply(std::span<const uint8_t> query, size_t question_end,
                              const xfr::tsig_request& sig, uint64_t now);

}  // namespace sipdns::daemon
