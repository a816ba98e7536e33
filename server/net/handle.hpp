// Ownership of libuv handle wrappers: a unique_ptr whose deleter starts uv_close.
//
// A wrapper that owns a uv handle is neither copyable nor movable (libuv keeps pointers into
// it) and its memory may only be released once libuv has called its close callback. So
// "destroying" one means asking it to close; the wrapper deletes itself in that callback.
#pragma once
#include <memory>

namespace sipdns::net {

struct close_deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    p->close();
  }
};

template <class T>
using handle_ptr = std::unique_ptr<T, close_deleter>;

}  // namespace sipdns::net
