// Fuzz target: arbitrary bytes as a query -> wire::parse_query -> answer::respond, over UDP and
// TCP, on a snapshot compiled once from the bundled zones/ and the differential test's zones
// (wildcards, CNAME chains of every kind, delegations). Checks what a client relies on:
// the response fits the buffer and the transport's limit, echoes the ID, has QR set, parses
// with ldns, and answering allocated nothing.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>

#include "answer/answer.hpp"
#include "check.hpp"
#include "compile/build.hpp"
#include "wire/constants.hpp"
#include "zone/loader.hpp"

// Last: ldns's C headers define macros (false) that break <optional> in C++20.
#include <ldns/ldns.h>

// The allocation counter; its gate, test::counting, is set only around respond() (below): the
// rest of the process (libFuzzer, ldns, this file) may allocate freely.
#include "support/alloc_counter.hpp"

namespace {
using namespace sipdns;

const compile::snapshot& bundled_snapshot() {
  static const compile::snapshot_ptr snap = [] {
    zone::load_result r = zone::load({SIPDNS_SOURCE_DIR "/zones",
                                      SIPDNS_SOURCE_DIR "/tests/integration/differential/zones"});
    if (!r.zones) {
      std::fprintf(stderr, "fuzz answer: the zones do not load\n");
      std::abort();
    }
    return compile::build(r.expanded);
  }();
  return *snap;
}

void check_response(std::span<const uint8_t> query, std::span<const uint8_t> out, size_t n,
                    size_t limit) {
  if (n == 0) return;  // dropped: a runt or a response
  FUZZ_CHECK(n <= out.size());
  FUZZ_CHECK(n <= limit);
  FUZZ_CHECK(n >= wire::header_size);
  FUZZ_CHECK(query.size() >= wire::header_size);
  FUZZ_CHECK(out[0] == query[0] && out[1] == query[1]);  // ID echoed
  FUZZ_CHECK(out[2] & 0x80);                             // QR
  ldns_pkt* pkt = nullptr;
  FUZZ_CHECK(ldns_wire2pkt(&pkt, out.data(), n) == LDNS_STATUS_OK);
  FUZZ_CHECK(ldns_pkt_qdcount(pkt) <= 1);
  ldns_pkt_free(pkt);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const compile::snapshot& snap = bundled_snapshot();
  // Exactly the sizes respond() asks for, on the heap, so ASan sees one byte too far.
  static const std::unique_ptr<uint8_t[]> udp_out(new uint8_t[wire::our_edns_size]);
  static const std::unique_ptr<uint8_t[]> tcp_out(new uint8_t[65535]);
  const std::span<const uint8_t> query(data, size);
  const std::span<uint8_t> udp(udp_out.get(), wire::our_edns_size), tcp(tcp_out.get(), 65535);

  test::allocations = 0;
  test::counting = true;
  static answer::loop_state state;  // libFuzzer runs the target on one thread
  size_t u = answer::respond(snap, query, udp, answer::transport::udp, state);
  size_t t = answer::respond(snap, query, tcp, answer::transport::tcp, state);
  test::counting = false;
  FUZZ_CHECK(test::allocations == 0);

  check_response(query, udp, u, wire::our_edns_size);
  check_response(query, tcp, t, 65535);
  FUZZ_CHECK((u == 0) == (t == 0));  // dropping does not depend on the transport
  return 0;
}
