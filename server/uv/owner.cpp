// handle_owner: adopt, close together, delete after the last close callback.
#include "uv/owner.hpp"

#include <cassert>

namespace sipdns::uv {

int handle_owner::adopt(void* h, int status) noexcept {
  if (status < 0) return status;
  assert(adopted_ < max_handles);
  auto* handle = static_cast<uv_handle_t*>(h);
  handle->data = this;
  handles_[adopted_++] = handle;
  ++open_;
  if (closing_) uv_close(handle, on_closed);
  return status;
}

void handle_owner::close_handles() noexcept {
  closing_ = true;
  if (open_ == 0) {
    delete this;  // nothing was ever opened, or everything is closed already
    return;
  }
  for (uint8_t i = 0; i < adopted_; ++i)
    if (!uv_is_closing(handles_[i])) uv_close(handles_[i], on_closed);
}

void handle_owner::on_closed(uv_handle_t* h) noexcept {
  auto* self = static_cast<handle_owner*>(h->data);
  if (--self->open_ == 0) delete self;
}

}  // namespace sipdns::uv
