// The nesting scan of limits.hpp: a TOML tokenizer reduced to what changes depth.
#include "zone/limits.hpp"

#include <array>

namespace sipdns::zone::detail {

// long: one pass of one state machine (strings, comments, headers, keys,
// brackets) whose states share the position and depth counters; split into functions, each
// would take and return all of them. The fuzz target zone_loader runs through it.
std::optional<text_pos> find_deep_nesting(std::string_view t) noexcept {
  // Depth counts tables: a [header] with n parts sets `table` to n; a key with d dots adds d;
  // an inline table or array adds one plus the dots of the key it is the value of.
  size_t table = 0, base = 0, dots = 0, open = 0;
  std::array<size_t, max_nesting + 1> stack{};  // `base` at each open { or [
  uint32_t line = 1;
  size_t line_start = 0;
  bool statement_start = true;  // only whitespace since the last newline at the top level
  const size_t n = t.size();
  auto at = [&](size_t i) { return text_pos{line, uint32_t(i - line_start + 1)}; };
  auto newline = [&](size_t i) {
    ++line;
    line_start = i + 1;
  };
  for (size_t i = 0; i < n; ++i) {
    const char c = t[i];
    switch (c) {
      case '\n':
        newline(i);
        if (open == 0) {
          base = table;
          dots = 0;
          statement_start = true;
        }
        continue;
      case ' ':
      case '\t':
      case '\r':
        continue;
      case '#':
        while (i + 1 < n && t[i + 1] != '\n') ++i;
        continue;
      case '"':
      case '\'': {
        // Basic strings have escapes; either kind may be multi-line when tripled.
        const bool triple = i + 2 < n && t[i + 1] == c && t[i + 2] == c;
        i += triple ? 3 : 1;
        for (; i < n; ++i) {
          if (t[i] == '\\' && c == '"') {
            if (i + 1 < n && t[i + 1] == '\n') newline(i + 1);
            ++i;
          } else if (t[i] == '\n') {
            if (!triple) break;  // toml++ reports the unterminated string
            newline(i);
          } else if (t[i] == c && (!triple || (i + 2 < n && t[i + 1] == c && t[i + 2] == c))) {
            if (triple) i += 2;
            break;
          }
        }
        if (i < n && t[i] == '\n') --i;  // let the loop see the newline
        break;
      }
      case '.':
        if (base + ++dots > max_nesting) return at(i);
        break;
      case '[':
        if (statement_start && open == 0) {
          // A [table] or [[array of tables]] header: its parts are the new table depth.
          size_t parts = 1;
          for (++i; i < n && t[i] != ']' && t[i] != '\n'; ++i) {
            if (t[i] == '"' || t[i] == '\'') {  // a quoted part may hold dots
              const char q = t[i];
              for (++i; i < n && t[i] != q && t[i] != '\n'; ++i)
                if (q == '"' && t[i] == '\\') ++i;
              if (i >= n || t[i] == '\n') break;
            } else if (t[i] == '.' && ++parts > max_nesting) {
              return at(i);
            }
          }
          if (i < n && t[i] == '\n') --i;
          table = base = parts;
          dots = 0;
          statement_start = false;
          continue;
        }
        [[fallthrough]];
      case '{':
        if (open == stack.size()) return at(i);
        stack[open++] = base;
        base += dots + 1;
        dots = 0;
        if (base > max_nesting) return at(i);
        break;
      case ']':
      case '}':
        base = open > 0 ? stack[--open] : table;
        dots = 0;
        break;
      case ',':  // not '=': a key's dots count for the inline table or array it holds
        dots = 0;
        break;
      default:
        break;
    }
    statement_start = false;
  }
  return std::nullopt;
}

}  // namespace sipdns::zone::detail
