// The flag table behind parse_options, shared with the configuration file reader so that a key
// in the file and a flag on the command line go through the same handler (internal header).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/options.hpp"

namespace sipdns::daemon::detail {

// One flag. A flag with `arg` takes a value: a number in [min, max] (`what` names it in
// errors) handed to `number`, or else the text handed to `text`, which may refuse it. A flag
// without `arg` is a switch, handed to `text` with an empty value. A repeatable flag may be
// given many times (an array in the file); a command-line-only one is refused in the file.
struct option_def {
  std::string_view name{}, alias{}, arg{};
  std::string_view help{};  // lines of the usage text, '\n' between them
  uint64_t min = 0, max = 0;
  const char* what = nullptr;
  void (*number)(options&, uint64_t) = nullptr;
  bool (*text)(options&, std::string_view, std::string& err) = nullptr;
  bool repeatable = false;
  bool command_line_only = false;
};

// The flag named `arg` ("--listen", or an alias such as "-h"); null when there is none.
const option_def* find_option(std::string_view arg);

// One flag with its value, from the command line or from a key of the configuration file;
// `where` is "FILE:LINE:COLUMN" for the latter (prefixed to a refusal), empty for the former.
struct setting {
  const option_def* def = nullptr;
  std::string value;
  std::string where;
};

}  // namespace sipdns::daemon::detail
