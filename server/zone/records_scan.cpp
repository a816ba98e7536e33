// The plain-array scanner (see records_scan.hpp). It declines rather than guesses: every line
// it accepts is one that TOML reads as exactly one string element at the same position.
#include "zone/records_scan.hpp"

#include <algorithm>
#include <cstring>

namespace sipdns::zone::detail {
namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

// One line without its '\n'; false at the end of the document.
struct line_reader {
  std::string_view doc;
  size_t pos = 0;
  bool next(std::string_view& line) {
    if (pos >= doc.size()) return false;
    const void* nl = std::memchr(doc.data() + pos, '\n', doc.size() - pos);
    size_t end = nl ? size_t(static_cast<const char*>(nl) - doc.data()) : doc.size();
    line = doc.substr(pos, end - pos);
    pos = nl ? end + 1 : end;  // a last line without '\n' must not leave pos past the end
    return true;
  }
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// `"text"` then optional blanks and one optional comma; sets `text`, the quote's offset in the
// line and whether a comma followed.
bool element(std::string_view line, std::string_view& text, size_t& quote, bool& comma) {
  size_t i = 0;
  while (i < line.size() && blank(line[i])) ++i;
  if (i == line.size() || line[i] != '"') return false;
  quote = i++;
  size_t start = i;
  while (i < line.size() && line[i] != '"') {
    unsigned char c = uint8_t(line[i]);
    // TOML basic strings: no escapes here, no control characters but tab, no DEL; ASCII
    // only, so that toml++'s column (in characters) is the byte offset.
    if (c == '\\' || (c < 0x20 && c != '\t') || c >= 0x7F) return false;
    ++i;
  }
  if (i == line.size()) return false;
  text = line.substr(start, i - start);
  std::string_view after = trim(line.substr(i + 1));
  comma = !after.empty() && after.front() == ',';
  if (comma) after.remove_prefix(1);
  return trim(after).empty();
}

}  // namespace

std::optional<records_scan> scan_records(std::string_view doc, size_t min_records) {
  if (doc.find('\r') != std::string_view::npos) return std::nullopt;  // keep line ends simple
  line_reader in{doc};
  std::string_view line;
  uint32_t number = 0;
  size_t open_end = 0;  // offset just after the `records = [` line's '\n'
  while (in.next(line)) {
    ++number;
    std::string_view t = trim(line);
    if (t.substr(0, 7) != "records") continue;
    t = trim(t.substr(7));
    if (t.empty() || t.front() != '=') continue;
    if (trim(t.substr(1)) != "[") return std::nullopt;  // inline elements: toml++
    open_end = in.pos;
    break;
  }
  if (open_end == 0) return std::nullopt;
  records_scan out;
  out.line = number;
  // At most one element per line left: sized once, so a million elements are not copied
  // (and their pages faulted in) again at each doubling.
  out.records.reserve(size_t(std::count(doc.begin() + long(open_end), doc.end(), '\n')));
  bool need_comma = false;  // the previous element had none: only `]` may follow
  size_t close_start = 0;
  while (true) {
    size_t start = in.pos;
    if (!in.next(line)) return std::nullopt;
    ++number;
    std::string_view t = trim(line);
    if (t == "]") {
      close_start = start;
      break;
    }
    if (t.empty() || need_comma) return std::nullopt;
    scanned_record r;
    size_t quote;
    bool comma;
    if (!element(line, r.text, quote, comma)) return std::nullopt;
    r.line = number;
    r.column = uint32_t(quote + 1);
    out.records.push_back(r);
    need_comma = !comma;
  }
  if (out.records.size() < min_records) return std::nullopt;
  // The elements' lines become empty lines: same numbering for everything after them.
  out.rest.reserve(open_end + (close_start - open_end) / 16 + (doc.size() - close_start));
  out.rest.append(doc.substr(0, open_end));
  out.rest.append(out.records.size(), '\n');
  out.rest.append(doc.substr(close_start));
  return out;
}

}  // namespace sipdns::zone::detail
