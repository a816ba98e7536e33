// Presentation forms that the TOML zone loader reads back to exactly the same data: every
// name and record is checked by parsing it back with the loader's own functions
// (zone/names.hpp, zone/rr_parse.hpp), so import never guesses what the loader accepts.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "import/master_file.hpp"
#include "zone/model.hpp"

namespace sipdns::importer {

class renderer {
 public:
  renderer(wire::name origin, uint32_t zone_ttl) : origin_(std::move(origin)), ttl_(zone_ttl) {}

  // "@", a name relative to the origin, or an absolute one with its dot; nullopt when the
  // loader would not read it back as `n` (it takes letters, digits, '-' and '_' in host
  // names; mailbox names, `host_like` false, any printable character but escapes).
  std::optional<std::string> name(const wire::name& n, bool host_like = true) const;

  struct rendered {
    std::string text;   // "owner [ttl] TYPE rdata", as a `records` string
    zone::record rec;   // what the loader makes of `text`
    std::string error;  // set when the loader refuses it, or reads back something else
  };
  rendered record(const ldns_struct_rr* rr) const;

  const wire::name& origin() const { return origin_; }
  uint32_t zone_ttl() const { return ttl_; }

 private:
  std::string text_of(const ldns_struct_rr* rr, bool relative) const;
  wire::name origin_;
  uint32_t ttl_;
};

// The record as ldns read it, in the loader's form (owner lower-cased, rdata as wire).
zone::record to_record(const ldns_struct_rr* rr);

}  // namespace sipdns::importer
