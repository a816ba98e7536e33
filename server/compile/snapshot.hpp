// The immutable snapshot: every answer the server can give, pre-encoded when zones load.
//
// Design: a snapshot is built once (zone load, reload, health change) and never modified
// afterwards; round-robin rotation uses a counter of the answering loop (answer/), which
// outlives snapshot swaps and changes only the order in which slices are copied. It is
// shared as shared_ptr<const snapshot>; a reload builds a new one (compile/build.hpp) and each
// event loop swaps its pointer on its own thread, so the read path takes no lock.
//
// This header is what the read path (answer/, net/) sees of compile/: the data and `find`,
// built on wire/ only; the zone model stays on the builder's side (layers: tools/check_layers.sh).
//
// Each precompiled answer is a "body": the answer, authority and additional records that
// follow the question, encoded with compression, stored as slices of shared pools. Compression pointers that target the
// question name or earlier parts of the body depend on the length of the client's QNAME, so
// they are stored as fixups and patched while copying (cheap: a few 2-byte writes).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compile/pool.hpp"
#include "wire/name.hpp"

namespace sipdns::compile {

// The hash of `table` (FNV-1a over the lower-cased wire name): the builder fills the table
// with it, find() probes with it.
inline uint64_t name_hash(const uint8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// A compression pointer inside a body, resolved against the actual query.
struct fixup {
  enum class to : uint8_t {
    body,      // body offset `value`
    suffix,    // the QNAME suffix that is `value` bytes long
    qname,     // the whole QNAME: the owner of an answer synthesized from a wildcard
               // (RFC 4592 section 3.3.1: the owner is the query name, not the "*" name)
    serial,    // not a pointer: the 4-byte SOA serial of zone `value`, from the version's
               // serials (a health change bumps it without re-encoding every NODATA body)
  };
  uint16_t pos;        // offset within the body of the 2-byte pointer
  uint16_t value;      // see `to`
  to target;
};

// Slices of the snapshot's pools: everything a query touches lives in a few contiguous
// arrays (no heap object per answer), which keeps big zones small and the hot path in cache.
struct body {
  uint32_t bytes = 0;                // offset of the encoded RRs in snapshot::bytes
  uint32_t fixups = 0;               // first fixup in snapshot::fixups (sorted by pos)
  uint32_t cuts = 0;                 // arcount + 1 entries in snapshot::cuts
  uint16_t size = 0;                 // length of the encoded RRs
  uint16_t fixup_count = 0;
  uint16_t ancount = 0, nscount = 0, arcount = 0;
  uint8_t rcode = 0;                 // wire::rcode value (BADVERS never comes from a body)
  bool authoritative = true;         // AA bit (false for referrals)
  // The name a negative answer or a referral speaks for, as the length of the QNAME suffix
  // naming it: the zone apex (NXDOMAIN) or the cut (referral); 0 for answers to the QNAME
  // itself. answer/ reports it with the reply (RRL keys NXDOMAIN by zone, referrals by cut).
  uint8_t scope_len = 0;
  // Round-robin: the answer RRs in [rotate_begin, rotate_begin + rotate_count*rotate_stride)
  // are equal-sized and start at a different one on each use.
  uint16_t rotate_begin = 0, rotate_count = 0, rotate_stride = 0;
};

// One owner name, with the answers for each type present and the fallbacks.
struct node {
  uint32_t name = 0;                 // offset of the lower-cased wire name in snapshot::names
  uint32_t types = 0;                // first (qtype, body) pair in snapshot::types
  uint32_t zone = 0;                 // index into snapshot::zones
  uint32_t nodata = 0;               // body for types absent here
  uint32_t any = 0;                  // RFC 8482 minimal ANY answer
  uint32_t referral = 0;             // body of the referral (NS + glue), if delegated
  uint32_t wildcard = 0;             // the node "*.<this name>" + 1, or 0 (RFC 4592)
  uint16_t type_count = 0;
  uint8_t name_len = 0;
  bool delegated = false;            // at or below a zone cut: answer with `referral`
};

// One type present at a node and the body that answers it.
struct type_entry {
  uint16_t first = 0;   // qtype
  uint32_t second = 0;  // body
};

struct zone_info {
  wire::name origin;
  uint32_t nxdomain = 0;             // body: SOA in AUTHORITY, rcode NXDOMAIN
};

class snapshot;
using snapshot_ptr = std::shared_ptr<const snapshot>;

// Design: a version is either whole (base == nullptr: every node of every zone) or an
// overlay: a few nodes (those a health change or a drain re-encoded) over the whole snapshot
// of the last reload, which it shares. find() asks the overlay first. Bodies, names and
// types are local to the snapshot (layer) that holds the node; zones and their NXDOMAIN
// bodies are the base's; the serials are the version's own (fixup::to::serial).
class snapshot {
 public:
  // Finds the node for a lower-cased wire name in this layer only, or nullptr.
  const node* find(const uint8_t* lower_name, size_t len) const {
    return find(lower_name, len, name_hash(lower_name, len));
  }
  const node* find(const uint8_t* lower_name, size_t len, uint64_t hash) const;
  // The layer that holds zones and every node the overlay does not replace.
  const snapshot& root() const { return base ? *base : *this; }
  std::string_view name_of(const node& n) const { return {names.data() + n.name, n.name_len}; }
  // The additional_cut of a body: cut(b, k) is its length keeping the first k additional RRs.
  uint16_t cut(const body& b, size_t k) const { return cuts[b.cuts + k]; }

  std::vector<zone_info> zones;
  pool<node> nodes;
  pool<body> bodies;
  pool<char> bytes;                  // every body's encoded RRs
  pool<fixup> fixups;
  pool<uint16_t> cuts;
  pool<char> names;                  // every node's name
  pool<type_entry> types;            // (qtype, body) per node

  // Open-addressing hash table over `nodes` (index + 1; 0 = empty); size is a power of two.
  pool<uint32_t> table;

  snapshot_ptr base;                 // an overlay's whole snapshot, or null
  std::vector<uint32_t> serials;     // SOA serial per zone (index into root().zones)
  uint64_t generation = 0;           // the version number the pipeline gave it
};


}  // namespace sipdns::compile
