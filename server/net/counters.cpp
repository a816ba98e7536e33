// Counting replies by what their header and question say.
#include "net/counters.hpp"

#include "wire/constants.hpp"

namespace sipdns::net {

const char* rcode_name(size_t rcode) noexcept {
  static constexpr const char* names[rcode_buckets] = {
      "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
      "NXRRSET", "NOTAUTH", "NOTZONE",  "RCODE11",  "RCODE12", "RCODE13", "RCODE14", "RCODE15"};
  return rcode < rcode_buckets ? names[rcode] : "OTHER";
}

size_t qtype_bucket(uint16_t qtype) noexcept {
  for (size_t i = 0; i + 1 < counted_qtypes.size(); ++i)
    if (counted_qtypes[i] == qtype) return i;
  return qtype_buckets - 1;
}

void loop_counters::latency_of(uint64_t ns, uint64_t n) noexcept {
  size_t b = 0;
  while (b < latency_bounds_us.size() && ns > uint64_t(latency_bounds_us[b]) * 1000) ++b;
  latency[b].add(n);
  latency_sum_ns.add(ns * n);
  latency_count.add(n);
}

void loop_counters::reply(const uint8_t* r, size_t len, size_t question_end, bool tcp,
                          uint64_t ns) noexcept {
  if (len < wire::header_size) return;
  const size_t qtype = question_end >= wire::header_size + 5 && question_end <= len
                           ? qtype_bucket(wire::get16(r + question_end - 4))
                           : qtype_buckets - 2;  // "none": no question echoed
  queries[tcp ? 1 : 0][qtype][r[3] & 0x0F].add();
  if (r[2] & 0x02) truncated.add();
  latency_of(ns, 1);
}

}  // namespace sipdns::net
