// RFC 1035 section 4.2.2 framing: splitting a TCP byte stream into 2-byte-length-prefixed
// DNS messages. Pure and allocation-free, so the connection code and the fuzzer share it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace sipdns::net {

enum class frame_status {
  complete,    // `payload` is the first message; drop `size` bytes to reach the next one
  need_more,   // the length prefix or the message is not all there yet
  bad_length,  // zero or over the limit: not DNS, and no way to resynchronise
};

struct frame {
  frame_status status;
  std::span<const uint8_t> payload;  // complete only: points into `buffered`
  size_t size = 0;                   // complete only: 2 + payload.size()
};

// Looks at the start of `buffered`. A bad length is reported as soon as the prefix is there,
// without waiting for a body that will never be read.
frame next_frame(std::span<const uint8_t> buffered, size_t max_len) noexcept;

}  // namespace sipdns::net
