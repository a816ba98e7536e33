// Answering allocates nothing: global operator new is replaced and counted around respond().
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

#include "answer/answer.hpp"
#include "compile/build.hpp"
#include "support/alloc_counter.hpp"
#include "support/ldns_support.hpp"


using namespace sipdns;

TEST_CASE("respond() performs no heap allocation for any kind of answer") {
  auto snap = compile::build({test::make_zone("uctest.local.", {
      "uctest.local. 3600 IN SOA ns1.uctest.local. hostmaster.uctest.local. 1 3600 600 604800 60",
      "@ NS ns1", "ns1 A 127.0.0.1", "h1 A 10.48.53.127", "h2 A 10.48.53.128",
      "rr 30 A 10.48.53.127", "rr 30 A 10.48.53.128", "_sip._tcp SRV 10 10 5060 h1",
      "_sip._tcp SRV 10 10 5060 h2", "@ NAPTR 12 100 \"s\" \"SIP+D2T\" \"\" _sip._tcp",
      "www CNAME h1", "child NS ns.child", "ns.child A 127.0.0.53", "*.wild A 10.48.53.129",
      "*.srv SRV 10 10 5060 h1"})});
  std::vector<std::vector<uint8_t>> queries;
  for (auto [name, type] : std::initializer_list<std::pair<const char*, ldns_rr_type>>{
           {"_sip._tcp.uctest.local.", LDNS_RR_TYPE_SRV}, {"uctest.local.", LDNS_RR_TYPE_NAPTR},
           {"rr.uctest.local.", LDNS_RR_TYPE_A}, {"rr.uctest.local.", LDNS_RR_TYPE_AAAA},
           {"nope.uctest.local.", LDNS_RR_TYPE_A}, {"www.uctest.local.", LDNS_RR_TYPE_A},
           {"x.child.uctest.local.", LDNS_RR_TYPE_A}, {"example.org.", LDNS_RR_TYPE_A},
           {"a.b.wild.uctest.local.", LDNS_RR_TYPE_A}, {"x.wild.uctest.local.", LDNS_RR_TYPE_MX},
           {"_sip._tcp.srv.uctest.local.", LDNS_RR_TYPE_SRV}}) {
    queries.push_back(test::make_query(name, type));
    queries.push_back(test::make_query(name, type, 1232));
  }
  std::array<uint8_t, 65535> out{};
  answer::loop_state state;
  size_t before = test::allocations.load();
  size_t bytes = 0;
  for (int round = 0; round < 100; ++round)
    for (const auto& q : queries)
      for (auto t : {answer::transport::udp, answer::transport::tcp})
        bytes += answer::respond(*snap, q, out, t, state);
  CHECK(test::allocations.load() == before);
  CHECK(bytes > 0);
}

TEST_CASE("the counter sees an allocation, so the test above cannot pass blind") {
  size_t before = test::allocations.load();
  void* p = ::operator new(16);  // a call, not a new-expression: the compiler may not elide it
  ::operator delete(p);
  CHECK(test::allocations.load() == before + 1);
}
