// IXFR: the query's serial, and the difference sequences.
#include "xfr/ixfr.hpp"

#include "wire/constants.hpp"
#include "xfr/walk.hpp"

namespace sipdns::xfr {

using walk::skip_name;

std::optional<uint32_t> ixfr_query_serial(std::span<const uint8_t> query, size_t question_end) {
  if (query.size() < wire::header_size || question_end > query.size()) return std::nullopt;
  if (wire::get16(query.data() + 6) != 0 || wire::get16(query.data() + 8) < 1) return std::nullopt;
  size_t at = skip_name(query, question_end);  // the SOA's owner
  if (at == 0 || at + 10 > query.size()) return std::nullopt;
  if (wire::get16(query.data() + at) != wire::rr_type::soa) return std::nullopt;
  const size_t rdlength = wire::get16(query.data() + at + 8);
  const size_t rdata = at + 10, end = rdata + rdlength;
  if (end > query.size()) return std::nullopt;
  size_t p = skip_name(query, rdata);  // MNAME
  if (p == 0 || p > end) return std::nullopt;
  p = skip_name(query, p);  // RNAME
  if (p == 0 || p + 20 > end) return std::nullopt;
  return wire::get32(query.data() + p);
}

std::vector<message> ixfr_messages(std::span<const uint8_t> query, size_t question_end,
                                   const zone::record& soa, uint32_t current,
                                   const std::vector<step_ptr>& steps, size_t max_bytes) {
  packer p(query, question_end, max_bytes);
  const std::string now = soa_rdata_with_serial(soa.rdata, current);
  p.add(soa, now);
  if (steps.empty()) return p.take();
  for (const step_ptr& s : steps) {
    p.add(soa, soa_rdata_with_serial(soa.rdata, s->from));
    for (const zone::record& r : s->removed) p.add(r);
    p.add(soa, soa_rdata_with_serial(soa.rdata, s->to));
    for (const zone::record& r : s->added) p.add(r);
  }
  p.add(soa, now);
  return p.take();
}

}  // namespace sipdns::xfr
