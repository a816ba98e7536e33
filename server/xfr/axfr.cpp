// Zone transfer messages: header, question once, RRs without compression.
#include "xfr/axfr.hpp"

#include <cstring>
#include <stdexcept>

#include "wire/constants.hpp"

namespace sipdns::xfr {

namespace {

constexpr uint16_t class_in = 1;

size_t wire_name_length(const std::string& rdata, size_t at) {
  size_t i = at;
  while (i < rdata.size() && rdata[i] != 0) i += 1 + uint8_t(rdata[i]);
  if (i >= rdata.size()) throw std::runtime_error("malformed SOA rdata");
  return i + 1 - at;
}

message header(std::span<const uint8_t> query, size_t question_end, bool with_question,
               uint16_t rcode) {
  const size_t question = with_question ? question_end - wire::header_size : 0;
  message m(wire::header_size + question);
  m[0] = query[0];
  m[1] = query[1];
  const uint16_t qflags = wire::get16(query.data() + 2);
  wire::put16(m.data() + 2, uint16_t(wire::flag::qr | wire::flag::aa |
                                     (qflags & (wire::flag::rd | wire::flag::opcode_mask)) |
                                     rcode));
  if (with_question) {
    std::memcpy(m.data() + wire::header_size, query.data() + wire::header_size, question);
    wire::put16(m.data() + 4, 1);
  }
  return m;
}

size_t rr_size(const zone::record& r) { return r.owner.size() + 10 + r.rdata.size(); }

void append_rr(message& m, const zone::record& r, const std::string& rdata) {
  const size_t at = m.size();
  m.resize(at + r.owner.size() + 10 + rdata.size());
  uint8_t* p = m.data() + at;
  std::memcpy(p, r.owner.data(), r.owner.size());
  p += r.owner.size();
  wire::put16(p, r.type);
  wire::put16(p + 2, class_in);
  wire::put32(p + 4, r.ttl);
  wire::put16(p + 8, uint16_t(rdata.size()));
  std::memcpy(p + 10, rdata.data(), rdata.size());
  wire::put16(m.data() + 6, uint16_t(wire::get16(m.data() + 6) + 1));  // ANCOUNT
}

}  // namespace

std::string soa_rdata_with_serial(const std::string& rdata, uint32_t serial) {
  const size_t mname = wire_name_length(rdata, 0);
  const size_t at = mname + wire_name_length(rdata, mname);
  if (rdata.size() < at + 20) throw std::runtime_error("malformed SOA rdata");
  std::string out = rdata;
  wire::put32(reinterpret_cast<uint8_t*>(out.data()) + at, serial);
  return out;
}

packer::packer(std::span<const uint8_t> query, size_t question_end, size_t max_bytes)
    : query_(query), question_end_(question_end), max_bytes_(max_bytes) {
  out_.push_back(header(query, question_end, true, 0));
}

void packer::add(const zone::record& r, const std::string& rdata) {
  if (out_.back().size() + rr_size(r) > max_bytes_ && wire::get16(out_.back().data() + 6) > 0)
    out_.push_back(header(query_, question_end_, false, 0));
  append_rr(out_.back(), r, rdata);
}

std::vector<message> axfr_messages(std::span<const uint8_t> query, size_t question_end,
                                   const zone::expanded_zone& z, uint32_t serial,
                                   size_t max_bytes) {
  return axfr_messages(query, question_end, z.soa, z.records, serial, max_bytes);
}

std::vector<message> axfr_messages(std::span<const uint8_t> query, size_t question_end,
                                   const zone::record& soa, std::span<const zone::record> records,
                                   uint32_t serial, size_t max_bytes) {
  const std::string served_soa = soa_rdata_with_serial(soa.rdata, serial);
  packer p(query, question_end, max_bytes);
  p.add(soa, served_soa);
  for (const zone::record& r : records)
    if (r.type != wire::rr_type::soa) p.add(r, r.rdata);
  p.add(soa, served_soa);
  return p.take();
}

message error_reply(std::span<const uint8_t> query, size_t question_end, uint16_t rcode) {
  return header(query, question_end, question_end > wire::header_size, rcode);
}

}  // namespace sipdns::xfr
