// Reads an RFC 1035 master file (BIND, NSD, Knot, a Windows DNS `dnscmd /ZoneExport`) with
// ldns, keeping the line each record starts on.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/c_ptr.hpp"
#include "wire/name.hpp"

struct ldns_struct_rr;
extern "C" void ldns_rr_free(ldns_struct_rr* rr);

namespace sipdns::importer {

using rr_ptr = wire::c_ptr<ldns_struct_rr, ldns_rr_free>;

struct master_rr {
  rr_ptr rr;          // owner absolute, TTL resolved ($TTL, or the SOA minimum as BIND does)
  uint32_t line = 0;  // where the record starts
};

struct master_file {
  std::string path;
  wire::name origin;  // lower-cased: the SOA's owner
  size_t soa = 0;     // index of the SOA in `rrs`
  std::vector<master_rr> rrs;
  std::vector<std::string> notes;  // what was read leniently, for the TOML and stderr
};

struct read_result {
  std::optional<master_file> file;
  std::string error;  // "path:line: error: ..." when `file` is empty
};

// `origin`: from --origin (text, with or without the trailing dot), else the file's $ORIGIN
// or, for a Windows export, its "Database file X for NAME zone." header.
read_result read_master_file(const std::string& path, const std::optional<std::string>& origin);

}  // namespace sipdns::importer
