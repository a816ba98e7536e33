// Journal file bytes: writing steps and reading them back, bounds-checked.
#include "xfr/journal_codec.hpp"

#include "wire/constants.hpp"

namespace sipdns::xfr {
namespace {

constexpr std::string_view magic = "SDJL";
constexpr size_t max_name = 255, max_label = 63;

uint64_t fnv1a(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : bytes) h = (h ^ uint8_t(c)) * 0x100000001b3ull;
  return h;
}

void put(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += char(uint8_t(v >> (8 * i)));
}

void put_record(std::string& out, const zone::record& r) {
  out += r.owner;
  put(out, r.type, 2);
  put(out, r.ttl, 4);
  put(out, r.rdata.size(), 2);
  out += r.rdata;
}

// Reads fixed fields and names from a byte range; every read checks what remains and a
// failed one leaves `ok` false for good.
struct cursor {
  std::string_view b;
  size_t at = 0;
  bool ok = true;

  bool has(size_t n) { return ok = ok && b.size() - at >= n; }
  uint64_t get(int bytes) {
    if (!has(size_t(bytes))) return 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = v << 8 | uint8_t(b[at++]);
    return v;
  }
  std::string take(size_t n) {
    if (!has(n)) return {};
    std::string s(b.substr(at, n));
    at += n;
    return s;
  }
  // An uncompressed wire name: labels of at most 63 bytes, 255 bytes in all.
  wire::name name() {
    const size_t start = at;
    while (has(1)) {
      const uint8_t len = uint8_t(b[at]);
      if (len > max_label || at - start + 1 + len > max_name) return ok = false, wire::name{};
      at += 1;
      if (len == 0) return wire::name(b.substr(start, at - start));
      if (!has(len)) break;
      at += len;
    }
    return {};
  }
};

zone::record read_record(cursor& c) {
  zone::record r;
  r.owner = c.name();
  r.type = uint16_t(c.get(2));
  r.ttl = uint32_t(c.get(4));
  r.rdata = c.take(size_t(c.get(2)));
  return r;
}

// A step's body (its length and checksum already checked); null when it does not parse.
step_ptr read_body(std::string_view body) {
  cursor c{body};
  auto s = std::make_shared<ixfr_step>();
  s->from = uint32_t(c.get(4));
  s->to = uint32_t(c.get(4));
  const uint64_t removed = c.get(4), added = c.get(4);
  // Each record takes at least 11 bytes: a bound before reserving anything.
  if (!c.ok || (removed + added) * 11 > body.size()) return nullptr;
  for (uint64_t i = 0; i < removed && c.ok; ++i) s->removed.push_back(read_record(c));
  for (uint64_t i = 0; i < added && c.ok; ++i) s->added.push_back(read_record(c));
  if (!c.ok || c.at != body.size()) return nullptr;
  return s;
}

}  // namespace

std::string journal_header(const wire::name& origin) {
  std::string out(magic);
  put(out, journal_version, 2);
  put(out, origin.size(), 1);
  out += origin;
  return out;
}

std::string journal_step_bytes(const ixfr_step& step) {
  std::string body;
  put(body, step.from, 4);
  put(body, step.to, 4);
  put(body, step.removed.size(), 4);
  put(body, step.added.size(), 4);
  for (const zone::record& r : step.removed) put_record(body, r);
  for (const zone::record& r : step.added) put_record(body, r);
  std::string out;
  out.reserve(body.size() + 12);
  put(out, body.size(), 4);
  out += body;
  put(out, fnv1a(body), 8);
  return out;
}

journal_contents read_journal(std::string_view bytes, const wire::name& origin) {
  journal_contents out;
  if (bytes.empty()) return out;
  cursor c{bytes};
  const std::string head = c.take(magic.size());
  const uint64_t version = c.get(2);
  const std::string name = c.take(size_t(c.get(1)));
  if (!c.ok || head != magic) return out.problem = "not a journal file", out;
  if (version != journal_version)
    return out.problem = "journal version " + std::to_string(version) + " unknown", out;
  if (name != origin) return out.problem = "journal of another zone", out;
  out.intact = c.at;
  while (c.at < bytes.size()) {
    const uint64_t len = c.get(4);
    const std::string_view body = c.has(len + 8) ? bytes.substr(c.at, len) : std::string_view{};
    if (!c.ok) return out.problem = "torn step", out;
    c.at += len;
    if (c.get(8) != fnv1a(body)) return out.problem = "checksum mismatch", out;
    step_ptr s = read_body(body);
    if (!s) return out.problem = "malformed step", out;
    out.steps.push_back(std::move(s));
    out.intact = c.at;
  }
  return out;
}

}  // namespace sipdns::xfr
