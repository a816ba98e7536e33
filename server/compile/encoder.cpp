// Compile-time DNS message encoder with compression and relocatable pointers.
#include "compile/encoder.hpp"

#include <stdexcept>

#include "compile/build.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"
#include "zone/type_name.hpp"

namespace sipdns::compile {
namespace {

// A pointer must fit 14 bits; the question before the body is at most 12 + 255 + 4 bytes.
constexpr size_t max_pointer_target =
    wire::max_pointer - (wire::header_size + wire::max_name + wire::question_fixed_size);

}  // namespace

void encoder::reset(std::string_view question_suffix, bool wildcard) {
  out_.clear();
  fixups_.clear();
  known_.clear();
  wildcard_ = wildcard ? question_suffix : std::string_view();
  // Every suffix of the known QNAME suffix can be reached inside the question; of a wildcard
  // name, only the encloser's (the "*" label is not in the QNAME).
  if (wildcard) question_suffix = wire::name_strip_labels(question_suffix, 1);
  for (std::string_view n = question_suffix; n.size() > 1;
       n = wire::name_strip_labels(n, 1)) {
    known_.push_back({n, fixup{0, uint16_t(n.size()), fixup::to::suffix}});
  }
}

const encoder::known_name* encoder::lookup(std::string_view name) const {
  for (const auto& k : known_)
    if (k.name == name) return &k;
  return nullptr;
}

void encoder::remember(std::string_view name, size_t offset) {
  if (offset > max_pointer_target || name.size() <= 1 || lookup(name)) return;
  known_.push_back({name, fixup{0, uint16_t(offset), fixup::to::body}});
}

void encoder::put_name(std::string_view name, bool compress) {
  std::string_view rest = name;
  while (rest.size() > 1) {
    if (compress) {
      if (const known_name* k = lookup(rest)) {
        fixup f = k->target;
        f.pos = uint16_t(out_.size());
        fixups_.push_back(f);
        out_.append("\xC0\x00", 2);  // value patched per query
        return;
      }
    }
    remember(rest, out_.size());
    size_t label = size_t(uint8_t(rest[0])) + 1;
    out_.append(rest.substr(0, label));
    rest.remove_prefix(label);
  }
  out_.push_back('\0');
}

void encoder::put_rr(const zone::record& r, uint32_t ttl, std::string_view owner) {
  if (!wildcard_.empty() && owner == wildcard_) {
    fixups_.push_back(fixup{uint16_t(out_.size()), 0, fixup::to::qname});
    out_.append("\xC0\x00", 2);  // patched per query, like every pointer
  } else {
    put_name(owner, true);
  }
  uint8_t fixed[10];
  wire::put16(fixed, r.type);
  wire::put16(fixed + 2, wire::rr_class::in);
  wire::put32(fixed + 4, ttl);
  wire::put16(fixed + 8, 0);
  out_.append(reinterpret_cast<const char*>(fixed), sizeof fixed);
  size_t rdlen_at = out_.size() - 2;
  size_t rdata_start = out_.size();

  rdata_name n = rdata_name_of(r.type, r.rdata);
  if (n.offset == std::string::npos) {
    put_raw(r.rdata);
  } else {
    size_t len = wire_name_length(r.rdata, n.offset);
    if (len == 0) throw std::runtime_error("malformed name in rdata");
    put_raw(std::string_view(r.rdata).substr(0, n.offset));
    put_name(std::string_view(r.rdata).substr(n.offset, len), n.compressible);
    std::string_view tail = std::string_view(r.rdata).substr(n.offset + len);
    if (r.type == wire::rr_type::soa) {  // SOA: RNAME follows MNAME
      size_t rlen = wire_name_length(tail, 0);
      if (rlen == 0) throw std::runtime_error("malformed SOA rname");
      put_name(tail.substr(0, rlen), true);
      tail.remove_prefix(rlen);
    }
    put_raw(tail);
  }
  size_t rdlen = out_.size() - rdata_start;
  if (rdlen > UINT16_MAX || out_.size() > wire::max_message)
    throw build_error({r.where, zone::severity::error,
                       "an answer with " + wire::name_to_text(r.owner) + " " +
                           zone::type_name(r.type) +
                           " would exceed 65535 bytes, more than one DNS message can carry"});
  wire::put16(reinterpret_cast<uint8_t*>(out_.data()) + rdlen_at, uint16_t(rdlen));
}

size_t wire_name_length(std::string_view bytes, size_t pos) {
  size_t start = pos;
  while (pos < bytes.size()) {
    uint8_t len = uint8_t(bytes[pos]);
    if (len == 0) return pos + 1 - start;
    if (len > wire::max_label) return 0;
    pos += 1 + len;
  }
  return 0;
}

rdata_name rdata_name_of(uint16_t type, std::string_view rdata) {
  using namespace wire::rr_type;
  switch (type) {
    case ns: case cname: case ptr: case soa:
      return {0, true};
    case mx:
      return {2, true};
    case srv:
      return {6, false};
    case naptr: {  // order, preference, then three character-strings, then the replacement
      size_t pos = 4;
      for (int i = 0; i < 3; ++i) {
        if (pos >= rdata.size()) return {};
        pos += 1 + uint8_t(rdata[pos]);
      }
      if (pos >= rdata.size()) return {};
      return {pos, false};
    }
    default:
      return {};
  }
}

}  // namespace sipdns::compile
