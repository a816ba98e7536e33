// Fuzz target: what a SIP OPTIONS health-check peer sends back over TCP/TLS. The byte stream
// reaches the server's own sip_exchange::on_stream in random chunk sizes, the way
// stream_probe delivers reads; the verdict must equal the one read from the whole stream at
// once (frames must not depend on how TCP split the bytes), the inbox must stay bounded, and
// a response counts only when its top Via branch and Call-ID are the probe's (a second probe
// with other identifiers sees the same bytes). Every framed message, and the whole input as
// one datagram, also goes through parse_sip_response, sip_verdict and on_datagram.
//
// Input: two bytes seed the chunk sizes, one byte picks the probe's up_codes, the rest is the
// stream. "$BRANCH" and "$CALLID" in the stream become the first probe's own Via branch and
// Call-ID (see corpus/sip_response/, written by tests/fuzz/capture_peer_seeds.py).
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "health/probe/sip_options.hpp"

namespace {
using namespace sipdns::health;
using namespace sipdns::health::detail;

using code_ranges = std::vector<std::pair<uint16_t, uint16_t>>;
const code_ranges up_choices[] = {{{200, 699}}, {{200, 299}}, {{200, 200}, {404, 404}}, {}};

sockaddr_storage v4(const char* ip, uint16_t port) {
  sockaddr_storage ss{};
  auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(port);
  inet_pton(AF_INET, ip, &sin->sin_addr);
  return ss;
}

struct ids {
  std::string branch, call_id;
};

// The identifiers as the request carries them (sip_exchange keeps its own private).
std::string field(std::string_view req, std::string_view key, std::string_view stops) {
  size_t at = req.find(key);
  FUZZ_CHECK(at != std::string_view::npos);
  req.remove_prefix(at + key.size());
  return std::string(req.substr(0, req.find_first_of(stops)));
}
ids ids_of(std::string_view req) {
  return {field(req, ";branch=", ";\r"), field(req, "\r\nCall-ID: ", "\r")};
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// The frames of the whole stream at once, as on_stream would take them.
stream_split reference(std::string_view s) {
  stream_split r;
  while (!s.empty()) {
    const sip_frame f = frame_sip_message(s);
    FUZZ_CHECK(f.skip <= s.size());
    for (size_t i = 0; i < f.skip; ++i) FUZZ_CHECK(s[i] == '\r' || s[i] == '\n');
    if (f.status == frame_status::malformed) {
      r.malformed = true;
      break;
    }
    if (f.status == frame_status::incomplete) break;
    FUZZ_CHECK(f.length >= 4 && f.length <= s.size() - f.skip);
    const std::string_view m = s.substr(f.skip, f.length);
    // Headers end at the first empty line, within the limits; the body follows it.
    const size_t head_end = m.find("\r\n\r\n");
    FUZZ_CHECK(head_end != std::string_view::npos && head_end <= sip_max_header_bytes);
    FUZZ_CHECK(m.size() - head_end - 4 <= sip_max_body_bytes);
    FUZZ_CHECK(m.front() != '\r' && m.front() != '\n');
    r.messages.push_back(m);
    s.remove_prefix(f.skip + f.length);
  }
  return r;
}

bool is_request(std::string_view m) {
  std::string_view start = m.substr(0, m.find("\r\n"));
  while (!start.empty() && (start.front() == ' ' || start.front() == '\t')) start.remove_prefix(1);
  while (!start.empty() && (start.back() == ' ' || start.back() == '\t' || start.back() == '\r')) {
    start.remove_suffix(1);
  }
  return start.size() >= 8 && start.substr(start.size() - 8) == " SIP/2.0";
}

const probe_result malformed{outcome::down, "SIP: malformed response", 0, std::nullopt};

// What the probe must decide: the first final response for its transaction; bytes that are
// neither a response nor a request end it.
verdict expected(const stream_split& s, const ids& me, const code_ranges& up) {
  for (std::string_view m : s.messages) {
    auto r = parse_sip_response(m);
    if (!r) {
      if (!is_request(m)) return malformed;
      continue;
    }
    if (r->branch == me.branch && r->call_id == me.call_id && r->code >= 200) {
      return sip_verdict(*r, up);
    }
  }
  if (s.malformed) return malformed;
  return std::nullopt;
}

bool same(const verdict& a, const verdict& b) {
  if (!a || !b) return !a && !b;
  return a->result == b->result && a->reason == b->reason && a->retry_after_s == b->retry_after_s;
}

// parse_sip_response and sip_verdict on one message, and the probe's datagram path.
void check_message(std::string_view m, const ids& me, const code_ranges& up, exchange& ex) {
  auto r = parse_sip_response(m);
  const bool ours = r && r->branch == me.branch && r->call_id == me.call_id && r->code >= 200;
  FUZZ_CHECK(same(ex.on_datagram(m), ours ? verdict(sip_verdict(*r, up)) : std::nullopt));
  if (!r) return;
  FUZZ_CHECK(m.size() >= 11);
  for (size_t i = 0; i < 8; ++i) FUZZ_CHECK(std::toupper(uint8_t(m[i])) == "SIP/2.0 "[i]);
  FUZZ_CHECK(r->code >= 100 && r->code <= 699);
  FUZZ_CHECK(r->phrase.size() <= 64 && printable(r->phrase));
  if (r->retry_after) {
    std::string lower(m);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    FUZZ_CHECK(lower.find("retry-after") != std::string::npos);
  }
  const probe_result v = sip_verdict(*r, up);
  const bool in_up = std::any_of(up.begin(), up.end(), [&](const auto& range) {
    return r->code >= range.first && r->code <= range.second;
  });
  FUZZ_CHECK((v.result == outcome::draining) == (r->code == 503));
  FUZZ_CHECK((v.result == outcome::up) == (r->code != 503 && in_up));
  FUZZ_CHECK(v.retry_after_s == (r->code == 503 ? r->retry_after : std::nullopt));
  const std::string code = "SIP " + std::to_string(r->code);
  FUZZ_CHECK(v.reason.compare(0, code.size(), code) == 0);
  FUZZ_CHECK(v.reason.size() <= code.size() + 1 + 64 && printable(v.reason));
}

// The stream in random chunk sizes through on_stream, until it decides.
verdict run(exchange& ex, std::string_view stream, uint32_t rng) {
  return feed_in_chunks(ex, stream, rng, sip_max_header_bytes + 4 + sip_max_body_bytes);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint32_t seed = (uint32_t(data[0]) << 8 | data[1]) * 2654435761u + 1;
  const code_ranges& up = up_choices[data[2] % std::size(up_choices)];

  probe_target target;
  target.address = v4("127.0.0.50", 5060);
  target.host = "peer.fuzz.test";
  target.up_codes = up;
  std::mt19937_64 rng(7);
  const auto shared = std::make_shared<const probe_target>(target);
  sip_exchange mine(shared, sipdns::health::probe_transport::tcp, rng);
  sip_exchange other(shared, sipdns::health::probe_transport::tcp, rng);
  const ids me = ids_of(mine.request(v4("127.0.0.51", 40000)));
  const ids them = ids_of(other.request(v4("127.0.0.51", 40001)));
  FUZZ_CHECK(me.branch != them.branch && me.call_id != them.call_id);

  std::string stream(reinterpret_cast<const char*>(data) + 3, size - 3);
  stream = replace_all(replace_all(stream, "$BRANCH", me.branch), "$CALLID", me.call_id);

  const stream_split whole = reference(stream);
  for (std::string_view m : whole.messages) check_message(m, me, up, mine);
  check_message(stream, me, up, mine);
  check_message(stream, them, up, other);

  FUZZ_CHECK(same(run(mine, stream, seed), expected(whole, me, up)));
  FUZZ_CHECK(same(run(other, stream, seed ^ 0x5bd1e995), expected(whole, them, up)));
  return 0;
}
