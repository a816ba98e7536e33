#include "net/tcp_frames.hpp"

namespace sipdns::net {

frame next_frame(std::span<const uint8_t> buffered, size_t max_len) noexcept {
  if (buffered.size() < 2) return {frame_status::need_more, {}, 0};
  const size_t n = size_t(buffered[0]) << 8 | buffered[1];
  if (n == 0 || n > max_len) return {frame_status::bad_length, {}, 0};
  if (buffered.size() - 2 < n) return {frame_status::need_more, {}, 0};
  return {frame_status::complete, buffered.subspan(2, n), 2 + n};
}

}  // namespace sipdns::net
