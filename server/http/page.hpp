// The status page (page/index.html), built into the binary: served at "/" with no file to
// install and nothing fetched from elsewhere.
#pragma once
#include <string_view>

namespace sipdns::http {

std::string_view status_page() noexcept;

}  // namespace sipdns::http
