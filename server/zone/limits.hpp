// Bounds on what one zone file may ask of the loader, so a hostile file gets an error with a
// position instead of exhausting memory or the stack.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sipdns::zone::detail {

// Far above a real zone (a million records take ~30 MB), far below what would exhaust memory:
// a file is read whole and its records expanded, several times its size.
constexpr uint64_t max_file_bytes = uint64_t(256) << 20;

// toml++ builds tables recursively (a dotted key 60,000 parts long overflows an 8 MB stack)
// and stops nested arrays and inline tables itself at 256 (TOML_MAX_NESTED_VALUES); the
// schema needs 5.
constexpr size_t max_nesting = 256;

struct text_pos {
  uint32_t line = 0, column = 0;
};

// Where tables, dotted keys, inline tables and arrays first nest deeper than max_nesting in
// TOML text (a scan outside strings and comments), or nullopt. Called on the text toml++ is
// about to parse, which for a big zone excludes the records array (records_scan.hpp).
std::optional<text_pos> find_deep_nesting(std::string_view toml) noexcept;

}  // namespace sipdns::zone::detail
