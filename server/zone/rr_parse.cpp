// ldns-backed parsing of explicit records; ldns objects live in wire::c_ptr (wire/c_ptr.hpp).
#include "zone/rr_parse.hpp"

#include <ldns/ldns.h>

#include "wire/c_ptr.hpp"
#include "wire/constants.hpp"
#include "zone/names.hpp"
#include "zone/rr_fast.hpp"

namespace sipdns::zone::detail {
namespace {

using rr_ptr = wire::c_ptr<ldns_rr, ldns_rr_free>;
using rdf_ptr = wire::c_ptr<ldns_rdf, ldns_rdf_deep_free>;
using buffer_ptr = wire::c_ptr<ldns_buffer, ldns_buffer_free>;

// Types whose embedded domain names are lookup keys for the compiler, so they are stored
// lower-cased (RFC 4343 makes the comparison case-insensitive anyway).
bool names_are_keys(uint16_t type) {
  using namespace wire::rr_type;
  return type == ns || type == cname || type == ptr || type == mx || type == soa || type == srv ||
         type == naptr;
}

std::string rdf_bytes(const ldns_rdf* rdf) {
  return std::string(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
}

}  // namespace
}  // namespace sipdns::zone::detail

namespace sipdns::zone {

std::string type_name(uint16_t type) {
  wire::c_string s(ldns_rr_type2str(ldns_rr_type(type)));
  return s ? std::string(s.get()) : "TYPE" + std::to_string(type);
}

}  // namespace sipdns::zone

namespace sipdns::zone::detail {
namespace {

// The checks both paths share, once owner, type, TTL and rdata are known.
parsed_record placed(record r, std::string_view origin) {
  // RFC 4592 4.2 and 4.1: a wildcard owning NS would delegate every name below its parent;
  // SOA never reaches here (it comes from [zone].soa).
  if (r.type == wire::rr_type::ns && wire::name_is_wildcard(r.owner))
    return {std::nullopt, "a wildcard cannot own NS records (RFC 4592 4.2)"};
  if (!wire::name_is_below_or_at(r.owner, origin))
    return {std::nullopt, "owner \"" + wire::name_to_text(r.owner) + "\" is outside zone \"" +
                              wire::name_to_text(origin) + "\""};
  return {std::move(r), {}};
}

std::string_view without_leading_blanks(std::string_view text) {
  // ldns reads a leading blank as "same owner as before", which a TOML string has no notion of.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

// ldns says only "could not parse the RR" for a name too long; a name that breaks RFC 1035
// 2.3.4 in the owner or the last field (the target of CNAME, NS, PTR, MX, SRV) is named
// instead. The error path only: a record that parses never comes here.
std::string explain_ldns_error(std::string_view line, std::string_view origin, ldns_status st) {
  std::string_view first = line.substr(0, line.find_first_of(" \t"));
  std::string_view last = line.substr(0, line.find_last_not_of(" \t") + 1);
  last = last.substr(last.find_last_of(" \t") == std::string_view::npos
                         ? 0
                         : last.find_last_of(" \t") + 1);
  for (std::string_view tok : {first, last}) {
    if (tok.empty() || tok.front() == '"') continue;
    name_result n = parse_name(tok, origin, false);
    if (n.error.find("label") != std::string::npos || n.error.find("255") != std::string::npos)
      return "name \"" + std::string(tok.substr(0, 80)) + (tok.size() > 80 ? "...\"" : "\"") +
             ": " + n.error;
  }
  return ldns_get_errorstr_by_id(st);
}

}  // namespace

parsed_record parse_record(std::string_view text, std::string_view origin, uint32_t default_ttl) {
  text = without_leading_blanks(text);
  record r;
  if (parse_plain_record(text, origin, default_ttl, r)) return placed(std::move(r), origin);
  return parse_record_ldns(text, origin, default_ttl);
}

parsed_record parse_record_ldns(std::string_view text, std::string_view origin,
                                uint32_t default_ttl) {
  std::string line(without_leading_blanks(text));
  rdf_ptr origin_rdf(ldns_dname_new_frm_data(uint16_t(origin.size()), origin.data()));
  ldns_rr* raw = nullptr;
  ldns_status st = ldns_rr_new_frm_str(&raw, line.c_str(), default_ttl, origin_rdf.get(), nullptr);
  if (st != LDNS_STATUS_OK) return {std::nullopt, explain_ldns_error(line, origin, st)};
  rr_ptr rr(raw);

  uint16_t type = ldns_rr_get_type(raw);
  if (ldns_rr_get_class(raw) != LDNS_RR_CLASS_IN) return {std::nullopt, "class must be IN"};
  if (type == wire::rr_type::soa)
    return {std::nullopt, "the SOA record comes from [zone].soa, not from records"};
  if (type == LDNS_RR_TYPE_DNAME) return {std::nullopt, "DNAME is not supported"};
  // RFC 6891 6.1.1: OPT is a pseudo-record; RFC 6895 3.1: 128..255 are question/meta types.
  if (type == wire::rr_type::opt || (type >= 128 && type <= 255))
    return {std::nullopt, "type " + type_name(type) + " cannot appear in a zone"};
  if (ldns_rr_ttl(raw) > 2147483647u)
    return {std::nullopt,
            "TTL " + std::to_string(ldns_rr_ttl(raw)) + " out of range 0..2147483647 (RFC 2181 8)"};

  record r;
  r.owner = wire::name_lowered(rdf_bytes(ldns_rr_owner(raw)));
  r.type = type;
  r.ttl = ldns_rr_ttl(raw);
  if (!wire::name_is_below_or_at(r.owner, origin)) return placed(std::move(r), origin);

  if (names_are_keys(type)) {
    for (size_t i = 0; i < ldns_rr_rd_count(raw); ++i) {
      ldns_rdf* f = ldns_rr_rdf(raw, i);
      if (ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME) ldns_dname2canonical(f);
    }
  }
  // RFC 3597 rdata, uncompressed: ldns_rdf2buffer_wire never compresses.
  buffer_ptr buf(ldns_buffer_new(512));
  if (ldns_rr_rdata2buffer_wire(buf.get(), raw) != LDNS_STATUS_OK)
    return {std::nullopt, "cannot encode rdata"};
  r.rdata.assign(reinterpret_cast<const char*>(ldns_buffer_begin(buf.get())),
                 ldns_buffer_position(buf.get()));
  return placed(std::move(r), origin);
}

}  // namespace sipdns::zone::detail
