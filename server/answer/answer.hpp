// answer(snapshot, query bytes, out buffer) -> bytes written. Pure: no I/O, no clock, no
// allocation.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "compile/snapshot.hpp"

namespace sipdns::answer {

enum class transport { udp, tcp };

// Writes the response to `query` into `out` (which must hold at least 65535 bytes for TCP,
// and wire::our_edns_size for UDP). Returns the response length, or 0 when the packet must be
// dropped without a reply (shorter than a header, or QR=1).
size_t respond(const compile::snapshot& snap, std::span<const uint8_t> query,
               std::span<uint8_t> out, transport t);

}  // namespace sipdns::answer
