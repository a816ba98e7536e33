// Names and records as text for the TOML zone, checked by reading them back as the loader does.
#include "import/render.hpp"

#include "export/record_text.hpp"
#include "wire/name.hpp"
#include "zone/names.hpp"
#include "zone/rr_parse.hpp"

// After the standard headers: ldns defines bool/true/false as macros when it thinks C lacks them.
#include <ldns/ldns.h>

namespace sipdns::importer {
namespace {

using rdf_ptr = wire::c_ptr<ldns_rdf, ldns_rdf_deep_free>;
using buffer_ptr = wire::c_ptr<ldns_buffer, ldns_buffer_free>;

std::string rdf_wire(const ldns_rdf* r) {
  return std::string(reinterpret_cast<const char*>(ldns_rdf_data(r)), ldns_rdf_size(r));
}

std::string rdf_text(const ldns_rdf* r) {
  wire::c_string s(ldns_rdf2str(r));
  return s ? std::string(s.get()) : std::string();
}

// Presentation text of a wire name (RFC 1035 5.1 escapes, by ldns), relative to `origin`
// when it lies strictly below it.
std::string name_text(const wire::name& n, const wire::name& origin, bool relative) {
  if (relative && n.size() > origin.size() && wire::name_is_below_or_at(wire::name_lowered(n), origin)) {
    std::string head = n.substr(0, n.size() - origin.size());
    head.push_back('\0');
    rdf_ptr r(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, head.size(), head.data()));
    std::string t = rdf_text(r.get());
    t.pop_back();  // the dot of the root we added
    return t;
  }
  rdf_ptr r(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, n.size(), n.data()));
  return rdf_text(r.get());
}

}  // namespace

zone::record to_record(const ldns_rr* rr) {
  zone::record r;
  r.owner = wire::name_lowered(rdf_wire(ldns_rr_owner(rr)));
  r.type = ldns_rr_get_type(rr);
  r.ttl = ldns_rr_ttl(rr);
  buffer_ptr buf(ldns_buffer_new(512));
  if (ldns_rr_rdata2buffer_wire(buf.get(), rr) == LDNS_STATUS_OK)
    r.rdata.assign(reinterpret_cast<const char*>(ldns_buffer_begin(buf.get())),
                   ldns_buffer_position(buf.get()));
  return r;
}

std::optional<std::string> renderer::name(const wire::name& n, bool host_like) const {
  std::string text = n == origin_ ? "@" : name_text(n, origin_, true);
  for (const std::string& t : {text, name_text(n, origin_, false)}) {
    zone::detail::name_result back = zone::detail::parse_name(t, origin_, host_like);
    if (back.error.empty() && back.name == wire::name_lowered(n)) return t;
  }
  return std::nullopt;
}

std::string renderer::text_of(const ldns_rr* rr, bool relative) const {
  std::string owner = rdf_wire(ldns_rr_owner(rr));
  std::string out = wire::name_lowered(owner) == origin_ ? "@" : name_text(owner, origin_, relative);
  if (ldns_rr_ttl(rr) != ttl_) out += " " + std::to_string(ldns_rr_ttl(rr));
  wire::c_string type(ldns_rr_type2str(ldns_rr_get_type(rr)));
  out += " " + std::string(type ? type.get() : "");
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* f = ldns_rr_rdf(rr, i);
    // Names in rdata relative where they can be ("ns1", not "ns1.example.net."); the origin
    // itself is written absolute: "@" is not read in every rdata field.
    bool dname = ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME;
    out += " " + (dname ? name_text(rdf_wire(f), origin_, relative) : rdf_text(f));
  }
  return out;
}

renderer::rendered renderer::record(const ldns_rr* rr) const {
  zone::record want = to_record(rr);
  std::string first_error;
  // Relative names first (what a person writes); absolute ones when those do not read back.
  for (bool relative : {true, false}) {
    std::string text = text_of(rr, relative);
    zone::detail::parsed_record back = zone::detail::parse_record(text, origin_, ttl_);
    if (!back.rec) {
      if (first_error.empty()) first_error = back.error;
      continue;
    }
    if (back.rec->ttl == want.ttl &&
        tools::canonical_text(*back.rec) == tools::canonical_text(want))
      return {text, std::move(*back.rec), {}};
    if (first_error.empty()) first_error = "reads back as " + tools::record_text(*back.rec);
  }
  return {{}, want, first_error};
}

}  // namespace sipdns::importer
