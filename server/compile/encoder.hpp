// Encodes resource records into a body with name compression resolved against a question
// whose exact bytes are not known until a query arrives (see snapshot.hpp).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "compile/snapshot.hpp"
#include "zone/model.hpp"

namespace sipdns::compile {

// Design: the names it remembers for compression are views of the names it was given, so
// `question_suffix` and every record passed to put_rr must outlive the encoder's use (the
// compiler passes names and records of the zones it compiles). One encoder is reused for a
// million bodies: reset() keeps its buffers, so encoding allocates nothing once warm.
class encoder {
 public:
  // `question_suffix`: a name known to be a suffix of every QNAME this body answers (the
  // QNAME itself for exact answers, the zone apex for NXDOMAIN, the cut for referrals).
  // `wildcard`: the body also answers names that `question_suffix` ("*.<encloser>") stands
  // for (RFC 4592), so an owner equal to it points at the whole QNAME, and only suffixes of
  // the encloser are taken from the question.
  explicit encoder(std::string_view question_suffix) { reset(question_suffix); }
  // Starts a new body, as if newly constructed.
  void reset(std::string_view question_suffix, bool wildcard = false);

  // `owner`: the owner to write, when it is not r.owner (a name a wildcard stands for in a
  // CNAME chain); it must outlive the encoder's use, like every name given to it.
  void put_rr(const zone::record& r, uint32_t ttl, std::string_view owner);
  void put_rr(const zone::record& r, uint32_t ttl) { put_rr(r, ttl, r.owner); }
  void put_rr(const zone::record& r) { put_rr(r, r.ttl, r.owner); }
  size_t size() const { return out_.size(); }
  // The RR just written is zone `zone`'s SOA: its serial (the rdata's last 20 bytes start
  // with it, RFC 1035 3.3.13) is written per version when answering (fixup::to::serial).
  void mark_serial(uint32_t zone) {
    fixups_.push_back(fixup{uint16_t(out_.size() - 20), uint16_t(zone), fixup::to::serial});
  }

  const std::string& bytes() const { return out_; }
  const std::vector<fixup>& fixups() const { return fixups_; }

 private:
  struct known_name {
    std::string_view name;  // lower-cased wire suffix
    fixup target;       // where a pointer to it goes (pos unused)
  };
  void put_name(std::string_view name, bool compress);
  void put_raw(std::string_view bytes) { out_.append(bytes); }
  void remember(std::string_view name, size_t offset);
  const known_name* lookup(std::string_view name) const;

  std::string out_;
  std::vector<fixup> fixups_;
  std::vector<known_name> known_;
  std::string_view wildcard_;  // the "*" owner of a wildcard body, or empty
};

// Position of the embedded domain name inside an uncompressed rdata, for the types whose
// rdata carries one; npos otherwise. `compressible` says whether RFC 3597 section 4 allows
// compressing it (NS, CNAME, PTR, MX, SOA: yes; SRV, NAPTR: no).
struct rdata_name {
  size_t offset = std::string::npos;
  bool compressible = false;
};
rdata_name rdata_name_of(uint16_t type, std::string_view rdata);
// Length of the uncompressed wire name at `pos`, or 0 if malformed.
size_t wire_name_length(std::string_view bytes, size_t pos);

}  // namespace sipdns::compile
