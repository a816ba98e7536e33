// STUN Binding health check: request encoding, framing and response validation.
#include "health/probe/stun.hpp"

namespace sipdns::health::detail {

namespace {

uint16_t get16(std::string_view s, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[at]) << 8) |
                               static_cast<uint8_t>(s[at + 1]));
}
uint32_t get32(std::string_view s, size_t at) {
  return (uint32_t{get16(s, at)} << 16) | get16(s, at + 2);
}

constexpr uint16_t attr_error_code = 0x0009;

}  // namespace

std::string build_stun_binding_request(const stun_transaction_id& id) {
  std::string m(stun_header_size, '\0');
  m[0] = static_cast<char>(stun_binding_request >> 8);
  m[1] = static_cast<char>(stun_binding_request & 0xff);
  // m[2..3]: message length 0, no attributes.
  for (int i = 0; i < 4; ++i) m[4 + i] = static_cast<char>(stun_magic_cookie >> (24 - 8 * i));
  for (size_t i = 0; i < id.size(); ++i) m[8 + i] = static_cast<char>(id[i]);
  return m;
}

std::optional<size_t> frame_stun_message(std::string_view b) {
  if (b.size() < stun_header_size) {
    // Reject an obviously wrong first byte early instead of waiting for 20 bytes.
    if (!b.empty() && (static_cast<uint8_t>(b[0]) & 0xc0) != 0) return std::nullopt;
    return 0;
  }
  uint16_t len = get16(b, 2);
  // RFC 5389 section 6: the two top bits are zero, the length counts whole 4-byte words.
  if ((static_cast<uint8_t>(b[0]) & 0xc0) != 0 || get32(b, 4) != stun_magic_cookie ||
      len % 4 != 0) {
    return std::nullopt;
  }
  size_t total = stun_header_size + len;
  return b.size() >= total ? total : 0;
}

std::optional<stun_reply> parse_stun_reply(std::string_view m, const stun_transaction_id& id) {
  auto framed = frame_stun_message(m);
  if (!framed || *framed != m.size()) return std::nullopt;
  for (size_t i = 0; i < id.size(); ++i) {
    if (static_cast<uint8_t>(m[8 + i]) != id[i]) return std::nullopt;
  }
  stun_reply r;
  r.type = get16(m, 0);
  // Attributes are TLVs padded to 4 bytes (RFC 5389 section 15); each must fit the message.
  size_t pos = stun_header_size;
  while (pos < m.size()) {
    if (m.size() - pos < 4) return std::nullopt;
    uint16_t type = get16(m, pos);
    uint16_t len = get16(m, pos + 2);
    size_t padded = (size_t{len} + 3) & ~size_t{3};
    if (m.size() - pos - 4 < padded) return std::nullopt;
    // RFC 5389 section 15.6: class (3..6) in the low 3 bits of byte 2, number (0..99) in
    // byte 3. Anything else is no error code (a peer could otherwise report "error 955").
    if (type == attr_error_code && len >= 4) {
      const unsigned cls = static_cast<uint8_t>(m[pos + 6]) & 7;
      const unsigned number = static_cast<uint8_t>(m[pos + 7]);
      if (cls >= 3 && cls <= 6 && number <= 99) {
        r.error_code = static_cast<uint16_t>(cls * 100 + number);
      }
    }
    pos += 4 + padded;
  }
  return r;
}

stun_exchange::stun_exchange(std::mt19937_64& rng) {
  // RFC 5389 section 6: the transaction ID is 96 random bits.
  for (size_t i = 0; i < id_.size(); i += 4) {
    uint64_t v = rng();
    for (size_t j = 0; j < 4; ++j) id_[i + j] = static_cast<uint8_t>(v >> (8 * j));
  }
}

std::string stun_exchange::request(const sockaddr_storage&) {
  return build_stun_binding_request(id_);
}

verdict stun_exchange::consider(const stun_reply& r) const {
  if (r.type == stun_binding_success) return probe_result{outcome::up, "ok", 0, std::nullopt};
  if (r.type == stun_binding_error) {
    std::string reason = "STUN error";
    if (r.error_code) reason.append(1, ' ').append(std::to_string(*r.error_code));
    return probe_result{outcome::down, reason, 0, std::nullopt};
  }
  return std::nullopt;  // an indication or a request from the peer
}

verdict stun_exchange::on_stream(std::string& buffer) {
  for (;;) {
    auto n = frame_stun_message(buffer);
    if (!n) return probe_result{outcome::down, "STUN: malformed response", 0, std::nullopt};
    if (*n == 0) return std::nullopt;
    auto r = parse_stun_reply(std::string_view(buffer).substr(0, *n), id_);
    buffer.erase(0, *n);
    if (!r) continue;  // another transaction's message
    if (auto v = consider(*r)) return v;
  }
}

verdict stun_exchange::on_datagram(std::string_view datagram) {
  auto r = parse_stun_reply(datagram, id_);
  return r ? consider(*r) : std::nullopt;
}

}  // namespace sipdns::health::detail
