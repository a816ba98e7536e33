// Signing the replies to TSIG-signed queries, in place.
#include "daemon/signed_replies.hpp"

#include <cstring>

#include "wire/constants.hpp"
#include "xfr/walk.hpp"

namespace sipdns::daemon {

xfr::message tsig_error_reply(std::span<const uint8_t> query, size_t question_end,
                              const xfr::tsig_request& sig, uint64_t now) {
  xfr::message m = xfr::error_reply(query, question_end, uint16_t(wire::rcode::notauth));
  if (sig.error == xfr::tsig_error::badtime)
    xfr::tsig_signer(*sig.key, sig.mac, now).sign(m, sig.error);
  else
    xfr::append_unsigned_tsig(m, sig.key_name, sig.algorithm, now, sig.error);
  return m;
}

size_t sign_reply(const std::map<std::string, xfr::tsig_key>& keys,
                  std::span<const uint8_t> query, std::span<uint8_t> reply, size_t len,
                  uint64_t now) {
  size_t question_end = wire::header_size;
  if (query.size() >= wire::header_size && wire::get16(query.data() + wire::header::qdcount) == 1)
    if (size_t end = xfr::walk::skip_name(query, wire::header_size); end)
      question_end = end + wire::question_fixed_size;
  const xfr::tsig_request sig = xfr::verify_request(query, question_end, keys, now);
  xfr::message m;
  if (!sig.present) return len;  // cannot happen: the answer path saw a TSIG
  if (sig.error != xfr::tsig_error::none) {
    m = tsig_error_reply(query, question_end, sig, now);
  } else {
    m.assign(reply.begin(), reply.begin() + long(len));
    xfr::tsig_signer(*sig.key, sig.mac, now).sign(m);
  }
  if (m.size() > reply.size()) return 0;
  std::memcpy(reply.data(), m.data(), m.size());
  return m.size();
}

}  // namespace sipdns::daemon
