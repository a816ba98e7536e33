// Fuzz target: what a STUN health-check peer sends back over TCP. The byte stream reaches the
// server's own stun_exchange::on_stream in random chunk sizes, the way stream_probe delivers
// reads; the verdict must equal the one read from the whole stream at once, the inbox must stay
// bounded, and only a message with the probe's transaction ID may decide (a second probe with
// another ID sees the same bytes). Every framed message, and the whole input as one datagram,
// also goes through parse_stun_reply with its own ID and another, and through on_datagram.
//
// Input: two bytes seed the chunk sizes; bit i of the third byte stamps the first probe's
// transaction ID into the i-th framed message (so the fuzzer reaches matching replies); the
// rest is the stream (see corpus/stun_response/, written by tests/fuzz/capture_peer_seeds.py).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "health/probe/stun.hpp"

namespace {
using namespace sipdns::health;
using namespace sipdns::health::detail;

constexpr size_t max_message = stun_header_size + 0xffff;

uint16_t get16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(uint8_t(s[at]) << 8 | uint8_t(s[at + 1]));
}

stun_transaction_id id_in(std::string_view m) {
  stun_transaction_id id{};
  std::memcpy(id.data(), m.data() + 8, id.size());
  return id;
}

// The probe's ID, as its request carries it.
stun_transaction_id id_of(exchange& ex) {
  const std::string req = ex.request({});
  FUZZ_CHECK(req.size() == stun_header_size && frame_stun_message(req) == req.size());
  return id_in(req);
}

// The frames of the whole stream at once, as on_stream would take them.
stream_split reference(std::string_view s) {
  stream_split r;
  while (!s.empty()) {
    const auto n = frame_stun_message(s);
    if (!n) {
      // Not STUN: the top two bits of the type, or (with a whole header) cookie or length.
      FUZZ_CHECK((uint8_t(s[0]) & 0xc0) != 0 ||
                 (s.size() >= stun_header_size &&
                  (get16(s, 4) != 0x2112 || get16(s, 6) != 0xA442 || get16(s, 2) % 4 != 0)));
      r.malformed = true;
      break;
    }
    if (*n == 0) {
      FUZZ_CHECK(s.size() < stun_header_size || s.size() < stun_header_size + get16(s, 2));
      break;
    }
    FUZZ_CHECK(*n >= stun_header_size && *n <= s.size() && *n <= max_message);
    FUZZ_CHECK(*n == stun_header_size + get16(s, 2) && *n % 4 == 0);
    r.messages.push_back(s.substr(0, *n));
    s.remove_prefix(*n);
  }
  return r;
}

verdict decide(const stun_reply& r) {
  if (r.type == stun_binding_success) return probe_result{outcome::up, "ok", 0, std::nullopt};
  if (r.type == stun_binding_error) {
    return probe_result{
        outcome::down,
        r.error_code ? "STUN error " + std::to_string(*r.error_code) : std::string("STUN error"), 0,
        std::nullopt};
  }
  return std::nullopt;
}

// What the probe must decide: the first success or error response for its transaction;
// bytes that are not STUN end it.
verdict expected(const stream_split& s, const stun_transaction_id& id) {
  for (std::string_view m : s.messages) {
    if (auto r = parse_stun_reply(m, id)) {
      if (auto v = decide(*r)) return v;
    }
  }
  if (s.malformed) return probe_result{outcome::down, "STUN: malformed response", 0, {}};
  return std::nullopt;
}

bool same(const verdict& a, const verdict& b) {
  if (!a || !b) return !a && !b;
  return a->result == b->result && a->reason == b->reason && a->retry_after_s == b->retry_after_s;
}

// parse_stun_reply with the message's own ID and with the probe's, and the datagram path.
void check_message(std::string_view m, const stun_transaction_id& probe_id, exchange& ex) {
  const auto mine = parse_stun_reply(m, probe_id);
  FUZZ_CHECK(same(ex.on_datagram(m), mine ? decide(*mine) : std::nullopt));
  if (m.size() < stun_header_size) {
    FUZZ_CHECK(!mine);
    return;
  }
  const stun_transaction_id own = id_in(m);
  const auto r = parse_stun_reply(m, own);
  // Only the transaction the message names; the ID is not part of the checks otherwise.
  FUZZ_CHECK(bool(mine) == (bool(r) && own == probe_id));
  if (!r) return;
  FUZZ_CHECK(frame_stun_message(m) == m.size());
  FUZZ_CHECK(r->type == get16(m, 0) && r->type < 0x4000);
  // RFC 5389 section 15.6: class 3..6, number 0..99.
  if (r->error_code) FUZZ_CHECK(*r->error_code >= 300 && *r->error_code <= 699);
}

// The stream in random chunk sizes through on_stream, until it decides.
verdict run(exchange& ex, std::string_view stream, uint32_t rng) {
  return feed_in_chunks(ex, stream, rng, max_message);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint32_t seed = (uint32_t(data[0]) << 8 | data[1]) * 2654435761u + 1;
  const uint8_t stamp = data[2];

  std::mt19937_64 rng(7);
  stun_exchange mine(rng), other(rng);
  const stun_transaction_id me = id_of(mine), them = id_of(other);
  FUZZ_CHECK(me != them);

  std::string stream(reinterpret_cast<const char*>(data) + 3, size - 3);
  {
    const stream_split s = reference(stream);
    for (size_t i = 0; i < s.messages.size() && i < 8; ++i) {
      if (stamp >> i & 1) {
        const size_t at = size_t(s.messages[i].data() - stream.data()) + 8;
        std::memcpy(stream.data() + at, me.data(), me.size());
      }
    }
  }
  // Stamping the ID changes no length or cookie: the frames stay where they were.
  const stream_split whole = reference(stream);
  for (std::string_view m : whole.messages) check_message(m, me, mine);
  check_message(stream, me, mine);
  check_message(stream, them, other);

  FUZZ_CHECK(same(run(mine, stream, seed), expected(whole, me)));
  FUZZ_CHECK(same(run(other, stream, seed ^ 0x5bd1e995), expected(whole, them)));
  return 0;
}
