// The zone file schema (see schema.hpp). Defaults live in model.hpp, next to the fields.
#include "zone/schema.hpp"

#include <cstdlib>

namespace sipdns::zone::detail {
namespace {

using vt = value_type;

constexpr field top_fields[] = {{"zone", vt::table}, {"cluster", vt::table_array}};

constexpr field zone_fields[] = {
    {"origin", vt::string},     {"ttl", vt::integer, 0, max_ttl},
    {"soa", vt::table},         {"ns", vt::string_array},
    {"records", vt::string_array}, {"lint_ignore", vt::string_array},
};

// RFC 1035 section 3.3.13.
constexpr field soa_fields[] = {
    {"mname", vt::string},
    {"rname", vt::string},
    {"serial", vt::integer, 0, max_u32},
    {"refresh", vt::integer, 0, max_u32},
    {"retry", vt::integer, 0, max_u32},
    {"expire", vt::integer, 0, max_u32},
    {"minimum", vt::integer, 0, max_u32},
};

constexpr field cluster_fields[] = {
    {"name", vt::string},
    {"services", vt::string_array},
    {"srv_owner", vt::string},
    {"naptr", vt::boolean},
    {"round_robin_ttl", vt::integer, 0, max_ttl},
    {"srv_ttl", vt::integer, 0, max_ttl},
    {"host_ttl", vt::integer, 0, max_ttl},
    {"ttl", vt::ttl_policy, 0, max_ttl},
    {"priority", vt::integer, 0, max_u16},
    {"weight", vt::integer, 0, max_u16},
    {"peers", vt::table_array},
    {"health", vt::table},
    {"lint_ignore", vt::string_array},
};

constexpr field peer_fields[] = {
    {"host", vt::string},
    {"ipv4", vt::string},
    {"ipv6", vt::string},
    {"priority", vt::integer, 0, max_u16},
    {"weight", vt::integer, 0, max_u16},
    {"ports", vt::table},
};

constexpr field health_fields[] = {
    {"probe", vt::string},
    {"transport", vt::string},
    {"port", vt::integer, 1, max_u16},
    {"interval_ms", vt::integer, 100, 3600000},
    {"timeout_ms", vt::integer, 10, 3600000},
    {"fall", vt::integer, 1, 10},
    {"rise", vt::integer, 1, 10},
    {"all_down", vt::string},
    {"up_codes", vt::string_array},
    {"tls_verify", vt::boolean},
    {"tls_ca_file", vt::string},
    {"tls_name", vt::string},
};

}  // namespace

const field& table_schema::operator[](std::string_view key) const {
  for (const field& f : fields)
    if (f.key == key) return f;
  std::abort();  // a reader bug: every key it asks for is declared above
}

const table_schema top_schema{"at the top level", top_fields};
const table_schema zone_schema{"in [zone]", zone_fields};
const table_schema soa_schema{"in [zone].soa", soa_fields};
const table_schema cluster_schema{"in [[cluster]]", cluster_fields};
const table_schema peer_schema{"in peer", peer_fields};
const table_schema health_schema{"in [cluster.health]", health_fields};
const field port_field{"port", vt::integer, 1, max_u16};

}  // namespace sipdns::zone::detail
