// Test helpers that use ldns as the oracle: build zone records from presentation text and
// parse responses back into packets.
#pragma once
#include <ldns/ldns.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "wire/c_ptr.hpp"
#include "zone/derive.hpp"

namespace sipdns::test {

using rr_ptr = wire::c_ptr<ldns_rr, ldns_rr_free>;
using pkt_ptr = wire::c_ptr<ldns_pkt, ldns_pkt_free>;
using rdf_ptr = wire::c_ptr<ldns_rdf, ldns_rdf_deep_free>;

inline std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string wire_name(const std::string& text) {
  ldns_rdf* r = nullptr;
  if (ldns_str2rdf_dname(&r, text.c_str()) != LDNS_STATUS_OK) throw std::runtime_error(text);
  rdf_ptr p(r);
  return lower(std::string(reinterpret_cast<const char*>(ldns_rdf_data(r)), ldns_rdf_size(r)));
}

inline zone::record make_record(const std::string& text, const std::string& origin) {
  ldns_rr* raw = nullptr;
  rdf_ptr o(ldns_dname_new_frm_str(origin.c_str()));
  if (ldns_rr_new_frm_str(&raw, text.c_str(), 3600, o.get(), nullptr) != LDNS_STATUS_OK)
    throw std::runtime_error("bad record: " + text);
  rr_ptr rr(raw);
  zone::record r;
  ldns_rdf* owner = ldns_rr_owner(raw);
  r.owner = lower(std::string(reinterpret_cast<const char*>(ldns_rdf_data(owner)),
                              ldns_rdf_size(owner)));
  r.type = ldns_rr_get_type(raw);
  r.ttl = ldns_rr_ttl(raw);
  // Embedded names are keys, lower-cased as the loader does; only the names, never the
  // binary fields around them (lower-casing those turned a retry of 600 into 632).
  for (size_t i = 0; i < ldns_rr_rd_count(raw); ++i)
    if (ldns_rdf_get_type(ldns_rr_rdf(raw, i)) == LDNS_RDF_TYPE_DNAME)
      ldns_dname2canonical(ldns_rr_rdf(raw, i));
  wire::c_ptr<ldns_buffer, ldns_buffer_free> buf(ldns_buffer_new(512));
  ldns_rr_rdata2buffer_wire(buf.get(), raw);
  r.rdata.assign(reinterpret_cast<const char*>(ldns_buffer_begin(buf.get())),
                 ldns_buffer_position(buf.get()));
  return r;
}

// An expanded zone from presentation lines; the first line must be the SOA.
inline zone::expanded_zone make_zone(const std::string& origin,
                                     const std::vector<std::string>& lines) {
  zone::expanded_zone z;
  z.origin = wire_name(origin);
  for (const auto& l : lines) z.records.push_back(make_record(l, origin));
  z.soa = z.records.front();
  return z;
}

inline pkt_ptr parse_packet(const uint8_t* data, size_t len) {
  ldns_pkt* p = nullptr;
  if (ldns_wire2pkt(&p, data, len) != LDNS_STATUS_OK) return nullptr;
  return pkt_ptr(p);
}

// Builds a query with ldns; returns wire bytes.
inline std::vector<uint8_t> make_query(const std::string& name, ldns_rr_type type,
                                       uint16_t edns_size = 0, uint16_t id = 4242) {
  ldns_pkt* p = nullptr;
  ldns_pkt_query_new_frm_str(&p, name.c_str(), type, LDNS_RR_CLASS_IN, 0);
  pkt_ptr pkt(p);
  ldns_pkt_set_id(p, id);
  if (edns_size) ldns_pkt_set_edns_udp_size(p, edns_size);
  uint8_t* wire = nullptr;
  size_t len = 0;
  ldns_pkt2wire(&wire, p, &len);
  std::vector<uint8_t> out(wire, wire + len);
  free(wire);
  return out;
}

// A query of `type` for x.test. signed by ldns (the oracle) with key `name` (hmac-sha256,
// base64 secret, fudge 300); `pkt` keeps the signed packet (for its MAC). Empty on failure.
inline std::vector<uint8_t> tsig_signed_query(ldns_rr_type type, uint16_t edns_size, uint16_t id,
                                              const char* name, const char* secret_b64,
                                              pkt_ptr& pkt) {
  auto q = make_query("x.test.", type, edns_size, id);
  pkt = parse_packet(q.data(), q.size());
  if (!pkt || ldns_pkt_tsig_sign(pkt.get(), name, secret_b64, 300, "hmac-sha256.", nullptr) !=
                  LDNS_STATUS_OK)
    return {};
  uint8_t* w = nullptr;
  size_t n = 0;
  if (ldns_pkt2wire(&w, pkt.get(), &n) != LDNS_STATUS_OK) return {};
  std::vector<uint8_t> out(w, w + n);
  free(w);
  return out;
}

inline std::string rr_text(const ldns_rr* rr) {
  char* s = ldns_rr2str(rr);
  std::string out(s);
  free(s);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

inline std::vector<std::string> section(const ldns_rr_list* list) {
  std::vector<std::string> out;
  for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i)
    out.push_back(rr_text(ldns_rr_list_rr(list, i)));
  return out;
}

}  // namespace sipdns::test
