// Answering allocates nothing: global operator new is replaced and counted around respond().
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

#include "answer/answer.hpp"
#include "support/ldns_support.hpp"

namespace {
std::atomic<size_t> allocations{0};
}

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace sipdns;

TEST_CASE("respond() performs no heap allocation for any kind of answer") {
  auto snap = compile::build({test::make_zone("uctest.local.", {
      "uctest.local. 3600 IN SOA ns1.uctest.local. hostmaster.uctest.local. 1 3600 600 604800 60",
      "@ NS ns1", "ns1 A 127.0.0.1", "h1 A 10.48.53.127", "h2 A 10.48.53.128",
      "rr 30 A 10.48.53.127", "rr 30 A 10.48.53.128", "_sip._tcp SRV 10 10 5060 h1",
      "_sip._tcp SRV 10 10 5060 h2", "@ NAPTR 12 100 \"s\" \"SIP+D2T\" \"\" _sip._tcp",
      "www CNAME h1", "child NS ns.child", "ns.child A 127.0.0.53"})});
  std::vector<std::vector<uint8_t>> queries;
  for (auto [name, type] : std::initializer_list<std::pair<const char*, ldns_rr_type>>{
           {"_sip._tcp.uctest.local.", LDNS_RR_TYPE_SRV}, {"uctest.local.", LDNS_RR_TYPE_NAPTR},
           {"rr.uctest.local.", LDNS_RR_TYPE_A}, {"rr.uctest.local.", LDNS_RR_TYPE_AAAA},
           {"nope.uctest.local.", LDNS_RR_TYPE_A}, {"www.uctest.local.", LDNS_RR_TYPE_A},
           {"x.child.uctest.local.", LDNS_RR_TYPE_A}, {"example.org.", LDNS_RR_TYPE_A}}) {
    queries.push_back(test::make_query(name, type));
    queries.push_back(test::make_query(name, type, 1232));
  }
  std::array<uint8_t, 65535> out{};
  size_t before = allocations.load();
  size_t bytes = 0;
  for (int round = 0; round < 100; ++round)
    for (const auto& q : queries)
      for (auto t : {answer::transport::udp, answer::transport::tcp})
        bytes += answer::respond(*snap, q, out, t);
  CHECK(allocations.load() == before);
  CHECK(bytes > 0);
}
