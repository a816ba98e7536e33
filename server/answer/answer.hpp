// answer(snapshot, query bytes, out buffer) -> bytes written. Pure: no I/O, no clock, no
// allocation.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "compile/snapshot.hpp"
#include "wire/reply.hpp"

namespace sipdns::answer {

enum class transport { udp, tcp };

// What an answering loop keeps from one query to the next: where the next round-robin answer
// starts. One per loop thread (so no atomic), and it outlives snapshot swaps: a health change
// must not restart every rotation at the first record.
struct loop_state {
  uint32_t rotation = 0;
};

// Writes the response to `query` into `out` (which must hold at least 65535 bytes for TCP,
// and wire::our_edns_size for UDP). Returns the response length, or 0 when the packet must be
// dropped without a reply (shorter than a header, or QR=1). `info` says what the reply is
// (kind, the name it speaks for, where its question ends), for the UDP path's RRL.
size_t respond(const compile::snapshot& snap, std::span<const uint8_t> query,
               std::span<uint8_t> out, transport t, loop_state& state,
               wire::reply_info& info) noexcept;
// The same, for callers that account nothing (TCP, tests).
inline size_t respond(const compile::snapshot& snap, std::span<const uint8_t> query,
                      std::span<uint8_t> out, transport t, loop_state& state) noexcept {
  wire::reply_info ignored;
  return respond(snap, query, out, t, state, ignored);
}

}  // namespace sipdns::answer
