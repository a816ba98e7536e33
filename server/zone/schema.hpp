// The zone file schema, one table per TOML table: each key with its type and, for integers,
// its range. The reader takes both its validation (types, ranges) and its "unknown key, did
// you mean" diagnostics from here, so a key is declared once. Keys are in the order the
// suggestions prefer on a tie.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

namespace sipdns::zone::detail {

// ttl_policy: "adaptive" or an integer number of seconds in lo..hi.
enum class value_type : uint8_t { string, integer, boolean, table, string_array, table_array,
                                  ttl_policy };

struct field {
  std::string_view key;
  value_type type;
  int64_t lo = 0, hi = 0;  // integers only, inclusive
};

struct table_schema {
  std::string_view where;  // "in [zone]": ends "unknown key ... " messages
  std::span<const field> fields;
  // The field named `key`; the reader asks only for keys declared here.
  const field& operator[](std::string_view key) const;
};

constexpr int64_t max_ttl = 2147483647;  // RFC 2181 section 8
constexpr int64_t max_u16 = 65535;
constexpr int64_t max_u32 = 4294967295;

extern const table_schema top_schema;      // the file itself
extern const table_schema zone_schema;     // [zone]
extern const table_schema soa_schema;      // [zone].soa
extern const table_schema cluster_schema;  // [[cluster]]
extern const table_schema peer_schema;     // [[cluster]].peers
extern const table_schema health_schema;   // [cluster.health]
extern const field port_field;             // each value of a peer's `ports` table

}  // namespace sipdns::zone::detail
