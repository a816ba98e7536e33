// What a reply is, as the answer path knows while writing it (answer::respond fills it), so
// that whoever accounts replies (rrl/) never reads a reply back.
#pragma once
#include <cstdint>

#include "wire/constants.hpp"

namespace sipdns::wire {

// NODATA is NOERROR with no answer for the type (RFC 2308 section 2.2); a referral is NOERROR
// without AA, with the cut's NS records in AUTHORITY (RFC 1034 4.3.2 step 3b); errors are
// every other rcode (FORMERR, NOTIMP, REFUSED, BADVERS ...).
enum class reply_kind : uint8_t { answer, nodata, nxdomain, referral, error };

struct reply_info {
  reply_kind kind = reply_kind::error;
  uint16_t qtype = 0;
  // The name the reply speaks for, as the offset in the reply of a suffix of the echoed
  // QNAME (ending at question_end - question_fixed_size): the QNAME for answers, the zone apex
  // of an NXDOMAIN, the cut of a referral. 0 when the reply names nothing (errors).
  uint16_t name_at = 0;
  // Where the echoed question ends in the reply (header_size when none was echoed).
  uint16_t question_end = header_size;
  // The query carried a TSIG: the reply left room for one and must be signed (or replaced
  // by a TSIG error) before it is sent.
  bool signed_query = false;
};

}  // namespace sipdns::wire
