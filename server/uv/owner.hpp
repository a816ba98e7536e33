// The one way a heap object owns libuv handles: count them, close them together, and delete
// the object after the last close callback.
//
// Design: libuv writes into a handle until its close callback has run, so an owner can only
// be freed then. An owner adopts each handle right after a successful uv_*_init (its `data`
// then points at the owner), close_handles() closes every adopted handle, and the close
// callback of the last one deletes the owner. An owner that never adopted a handle (its first
// init failed) is deleted at once. Callbacks find their object with owner_of<T>(h->data).
#pragma once
#include <uv.h>

#include <array>
#include <cstdint>

namespace sipdns::uv {

class handle_owner {
 public:
  handle_owner(const handle_owner&) = delete;
  handle_owner& operator=(const handle_owner&) = delete;

  // The derived object whose handle or request carries `data` (set by adopt or bind).
  template <class T>
  static T* owner_of(void* data) noexcept {
    return static_cast<T*>(static_cast<handle_owner*>(data));
  }

 protected:
  handle_owner() = default;
  virtual ~handle_owner() = default;

  // Takes `status`, the result of uv_*_init(…, h, …): on success `h` is counted and its data
  // set to this owner. Returns `status`, so `if (int r = adopt(h, uv_timer_init(…)); r < 0)`.
  // A handle adopted after close_handles() is closed at once.
  int adopt(void* h, int status) noexcept;
  // Points a request's data (uv_write_t, uv_connect_t ...) at this owner, for owner_of.
  template <class R>
  void bind(R* req) noexcept {
    req->data = static_cast<handle_owner*>(this);
  }
  // Closes every adopted handle not closing yet. The owner is deleted after the last close
  // callback (at once if it holds none): do not touch it after this call. Idempotent.
  void close_handles() noexcept;
  bool closing() const noexcept { return closing_; }

 private:
  static void on_closed(uv_handle_t* h) noexcept;

  static constexpr size_t max_handles = 4;  // the most any owner needs is three
  std::array<uv_handle_t*, max_handles> handles_{};
  uint8_t adopted_ = 0;
  uint8_t open_ = 0;  // adopted and not yet closed
  bool closing_ = false;
};

}  // namespace sipdns::uv
