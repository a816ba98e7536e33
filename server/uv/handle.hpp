// Owning pointers to libuv handle wrappers, and the casts every libuv user writes.
//
// A wrapper that owns uv handles is neither copyable nor movable (libuv keeps pointers into
// it) and its memory may only be released once libuv has called its close callbacks. So
// "destroying" one means asking it to close(); it deletes itself in its last close callback
// (see uv/owner.hpp).
#pragma once
#include <uv.h>

#include <memory>

namespace sipdns::uv {

struct close_deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    p->close();
  }
};

template <class T>
using handle_ptr = std::unique_ptr<T, close_deleter>;

// libuv's C "inheritance": every handle starts with a uv_handle_t, every stream with a
// uv_stream_t.
template <class H>
uv_handle_t* as_handle(H* h) noexcept {
  return reinterpret_cast<uv_handle_t*>(h);
}
template <class H>
const uv_handle_t* as_handle(const H* h) noexcept {
  return reinterpret_cast<const uv_handle_t*>(h);
}
template <class H>
uv_stream_t* as_stream(H* h) noexcept {
  return reinterpret_cast<uv_stream_t*>(h);
}

}  // namespace sipdns::uv
