// One encoder's share of a build: the nodes of a range of owners, with their bodies, in pools
// of its own (compile/build.cpp runs one or two of these, then merges them).
#pragma once
#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "compile/encoder.hpp"
#include "compile/names.hpp"
#include "compile/snapshot.hpp"

namespace sipdns::compile {

// Encodes the nodes of a range of owners into pools of its own (a snapshot's vectors, with
// body, fixup, cut, type and name offsets local to them); merge_into() appends them to the
// snapshot. Two of these run at once on a big zone, one per core.
// Design: it reuses its scratch vectors and its encoder across bodies (answer_body is never
// re-entered), so a million nodes cost no allocation each.
// Appends `from`'s pools to `s`, shifting every offset (`wildcard` links are not kept).
void append_pools(snapshot& s, const snapshot& from);

class part {
 public:
  explicit part(const names& n) : n_(n), e_("") {}
  // Nodes for owners [begin, end). `with_zones`: also the zones' NXDOMAIN bodies (one part
  // does it, so that snapshot::zones lists each zone once).
  void encode(size_t begin, size_t end, bool with_zones);
  // Nodes for these owners only (an overlay's piece: compile/overlay.cpp).
  void encode_some(const std::vector<const owner_data*>& owners);
  // Appends this part's pools to `s`, shifting every offset.
  void merge_into(snapshot& s);
  snapshot out;  // zones, nodes and pools of this part only

 private:
  std::vector<uint32_t> zone_bodies(bool with_zones);
  node encode_node(const owner_data& o, uint32_t nodata);
  void add_chain_types(node& nd, const owner_data& o);

  uint32_t add_body(const encoder& e, body b, size_t additional_start);
  void put_soa(encoder& e, uint32_t zone) const;
  void put_addresses(encoder& e, std::string_view name, uint16_t& count);
  void put_srv_set(encoder& e, std::string_view owner, uint16_t& count);
  void put_additionals(encoder& e, uint16_t& count);
  uint32_t answer_body(std::string_view qname, uint16_t qtype, const owner_data* self = nullptr);
  const zone::record* put_answer(body& b, std::string_view qname, uint16_t qtype,
                                 const owner_data* self);
  const owner_data* chain_end(const owner_data& alias) const;
  uint32_t negative_body(std::string_view apex, uint32_t zone, uint16_t rcode);
  uint32_t referral_body(std::string_view cut);

  const names& n_;
  std::map<std::string_view, uint32_t> referrals_;
  encoder e_;
  std::vector<const zone::record*> set_, cname_, final_, srvs_;
  std::vector<std::string_view> done_, srv_done_;
};

}  // namespace sipdns::compile
