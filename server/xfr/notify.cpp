// NOTIFY messages and their answers.
#include "xfr/notify.hpp"

#include <cstring>

#include "wire/constants.hpp"
#include "wire/name.hpp"

namespace sipdns::xfr {

namespace {
constexpr uint16_t opcode_notify = 4;
constexpr uint16_t class_in = 1;
}  // namespace

message notify_message(uint16_t id, const zone::record& soa, uint32_t serial) {
  const std::string rdata = soa_rdata_with_serial(soa.rdata, serial);
  message m(wire::header_size);
  wire::put16(m.data(), id);
  wire::put16(m.data() + 2, uint16_t(opcode_notify << 11 | wire::flag::aa));
  wire::put16(m.data() + 4, 1);
  wire::put16(m.data() + 6, 1);
  auto append = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    m.insert(m.end(), b, b + n);
  };
  uint8_t fixed[10];
  append(soa.owner.data(), soa.owner.size());
  wire::put16(fixed, wire::rr_type::soa);
  wire::put16(fixed + 2, class_in);
  append(fixed, 4);
  append(soa.owner.data(), soa.owner.size());
  wire::put32(fixed + 4, soa.ttl);
  wire::put16(fixed + 8, uint16_t(rdata.size()));
  append(fixed, 10);
  append(rdata.data(), rdata.size());
  return m;
}

notify_answer read_notify_answer(std::span<const uint8_t> reply, uint16_t id,
                                 const std::string& origin) {
  if (reply.size() < wire::header_size) return notify_answer::none;
  const uint16_t flags = wire::get16(reply.data() + 2);
  if (wire::get16(reply.data()) != id || !(flags & wire::flag::qr) ||
      ((flags & wire::flag::opcode_mask) >> 11) != opcode_notify)
    return notify_answer::none;
  // The question, when echoed, must be our zone (a stray answer with a reused ID is not).
  if (wire::get16(reply.data() + 4) >= 1) {
    const size_t n = origin.size();
    if (reply.size() < wire::header_size + n) return notify_answer::none;
    std::string qname(reinterpret_cast<const char*>(reply.data()) + wire::header_size, n);
    if (wire::name_lowered(qname) != origin) return notify_answer::none;
  }
  return (flags & wire::flag::rcode_mask) == 0 ? notify_answer::ack : notify_answer::refused;
}

}  // namespace sipdns::xfr
