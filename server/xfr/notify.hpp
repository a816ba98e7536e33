// NOTIFY (RFC 1996): the message a primary sends its secondaries when a zone's serial
// changes, and the check of their answer.
#pragma once
#include <cstdint>
#include <span>
#include <string>

#include "xfr/axfr.hpp"
#include "zone/model.hpp"

namespace sipdns::xfr {

// opcode NOTIFY, AA, the question (origin, SOA, IN) and the zone's SOA with `serial` in the
// answer section (section 3.7: a hint the secondary may use before asking).
message notify_message(uint16_t id, const zone::record& soa, uint32_t serial);

enum class notify_answer { none, ack, refused };
// What `reply` says to our NOTIFY `id` for `origin`: `none` when it is not an answer to it
// (another ID, not a response, another opcode or zone), `ack` for NOERROR, `refused` for
// any other rcode (NOTAUTH, REFUSED: the secondary will not take NOTIFY from us).
notify_answer read_notify_answer(std::span<const uint8_t> reply, uint16_t id,
                                 const std::string& origin);

}  // namespace sipdns::xfr
