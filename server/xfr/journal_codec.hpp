// The bytes of an IXFR journal file: a header naming the zone, then one record per step,
// each with its own checksum, so that a file cut short by a crash keeps every whole step.
//
// Design: append-only. A step is written whole after the ones before it, and a reader takes
// steps from the front until one is incomplete or its checksum fails; that one and the rest
// are the "damaged tail" and are ignored. Numbers are big-endian, as on the wire.
//
//   header: "SDJL" | version u16 (1) | origin length u8 | origin (wire name)
//   step:   body length u32 | body | FNV-1a 64 of the body u64
//   body:   from u32 | to u32 | removed count u32 | added count u32 |
//           records (removed, then added): owner (wire name) | type u16 | ttl u32 |
//                                          rdlength u16 | rdata
// No I/O here: control/journal_store.hpp owns the files.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wire/name.hpp"
#include "xfr/ixfr.hpp"

namespace sipdns::xfr {

inline constexpr uint16_t journal_version = 1;

// The header of `origin`'s journal.
std::string journal_header(const wire::name& origin);
// One step, ready to append.
std::string journal_step_bytes(const ixfr_step& step);

struct journal_contents {
  std::vector<step_ptr> steps;  // every whole step, oldest first
  size_t intact = 0;            // bytes of the file they (and the header) take
  // Empty when the whole file was read; else why reading stopped at byte `intact`
  // ("torn step", "checksum mismatch", "not a journal file", ...).
  std::string problem;
};

// Reads a journal file's bytes; empty bytes are an empty journal. A header for another zone
// than `origin`, of another version, or cut short reads as no steps with a problem.
journal_contents read_journal(std::string_view bytes, const wire::name& origin);

}  // namespace sipdns::xfr
