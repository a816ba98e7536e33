// SIP OPTIONS health check: the transaction's identifiers, the request, the exchange.
#include "health/probe/sip_options.hpp"

#include <cstdio>

#include "health/probe/sockaddr_text.hpp"

#ifndef SIPDNS_VERSION
#define SIPDNS_VERSION "0"
#endif

namespace sipdns::health::detail {

namespace {

// Appends `digits` lowercase hex digits of `v` (random identifiers).
template <size_t N>
void append_hex(inline_text<N>& out, uint64_t v, int digits) {
  static const char* d = "0123456789abcdef";
  char buf[16];
  for (int i = digits - 1; i >= 0; --i, v >>= 4) buf[i] = d[v & 15];
  out.append(std::string_view(buf, size_t(digits)));
}

const char* transport_token(probe_transport t, bool upper) {
  switch (t) {
    case probe_transport::udp:
      return upper ? "UDP" : "udp";
    case probe_transport::tcp:
      return upper ? "TCP" : "tcp";
    case probe_transport::tls:
      return upper ? "TLS" : "tls";
  }
  return "udp";
}

}  // namespace

sip_ids make_sip_ids(std::mt19937_64& rng) {
  sip_ids ids;
  ids.branch = "z9hG4bK";
  append_hex(ids.branch, rng(), 16);
  append_hex(ids.branch, rng(), 8);
  append_hex(ids.from_tag, rng(), 12);
  append_hex(ids.call_id_local, rng(), 16);
  append_hex(ids.call_id_local, rng(), 16);
  return ids;
}

std::string build_options_request(const probe_target& target, probe_transport transport,
                                  const sockaddr_storage& local, const sip_ids& ids) {
  const std::string host_literal = target.host.empty() ? uri_host(target.address) : "";
  const std::string_view host = target.host.empty() ? host_literal : target.host;
  char port[8], me_port[8];
  std::snprintf(port, sizeof port, "%u", unsigned(port_of(target.address)));
  std::snprintf(me_port, sizeof me_port, "%u", unsigned(port_of(local)));
  const std::string me = uri_host(local);
  const char* t = transport_token(transport, false);
  std::string r;
  r.reserve(480 + 2 * host.size() + 3 * me.size());  // one allocation: appended in place
  // RFC 3261 section 11.1 and 8.1.1: the mandatory headers of a request outside a dialog.
  r.append("OPTIONS sip:").append(host).append(1, ':').append(port);
  r.append(";transport=").append(t).append(" SIP/2.0\r\n");
  r.append("Via: SIP/2.0/").append(transport_token(transport, true)).append(1, ' ');
  r.append(me).append(1, ':').append(me_port).append(";branch=").append(ids.branch);
  // RFC 3581: ask for the response to come back to the port we sent from.
  if (transport == probe_transport::udp) r.append(";rport");
  r.append("\r\nMax-Forwards: 70\r\n");
  r.append("From: <sip:sipdns-probe@").append(me).append(">;tag=").append(ids.from_tag);
  r.append("\r\nTo: <sip:").append(host).append(">\r\n");
  r.append("Call-ID: ").append(ids.call_id_local).append(1, '@').append(me).append("\r\n");
  r.append("CSeq: 1 OPTIONS\r\n");
  r.append("Contact: <sip:sipdns-probe@").append(me).append(1, ':').append(me_port);
  r.append(";transport=").append(t).append(">\r\n");
  r.append("Accept: application/sdp\r\n");
  r.append("User-Agent: sipdns/" SIPDNS_VERSION "\r\n");
  r.append("Content-Length: 0\r\n\r\n");
  return r;
}

sip_exchange::sip_exchange(std::shared_ptr<const probe_target> target,
                           probe_transport transport, std::mt19937_64& rng)
    : target_(std::move(target)), transport_(transport), ids_(make_sip_ids(rng)) {}

std::string sip_exchange::request(const sockaddr_storage& local) {
  call_id_ = inline_text<96>(ids_.call_id_local.view());
  call_id_.append("@");
  call_id_.append(uri_host(local));
  return build_options_request(*target_, transport_, local, ids_);
}

verdict sip_exchange::consider(const sip_response_view& r) const {
  // RFC 3261 section 17.1.3: a response belongs to our transaction by the top Via's branch;
  // the Call-ID check also rejects a peer that echoes a stale branch.
  if (r.branch != ids_.branch.view() || r.call_id != call_id_.view()) return std::nullopt;
  if (r.code < 200) return std::nullopt;  // provisional: keep waiting for the final response
  return sip_verdict(r.code, r.phrase, r.retry_after, target_->up_codes);
}

verdict sip_exchange::on_stream(std::string& buffer) {
  for (;;) {
    sip_frame f = frame_sip_message(buffer);
    if (f.status == frame_status::malformed) {
      return probe_result{outcome::down, "SIP: malformed response", 0, std::nullopt};
    }
    buffer.erase(0, f.skip);
    if (f.status == frame_status::incomplete) return std::nullopt;
    std::string_view msg = std::string_view(buffer).substr(0, f.length);
    auto r = parse_sip_response(msg, scratch_);
    if (!r) {
      // A request from the peer (its own OPTIONS keep-alive, say) is not our answer; anything
      // else means the peer does not speak SIP.
      if (!is_sip_request(msg)) {
        return probe_result{outcome::down, "SIP: malformed response", 0, std::nullopt};
      }
      buffer.erase(0, f.length);
      continue;
    }
    verdict v = consider(*r);  // before erase: r views the buffer
    buffer.erase(0, f.length);
    if (v) return v;
  }
}

verdict sip_exchange::on_datagram(std::string_view datagram) {
  auto r = parse_sip_response(datagram, scratch_);
  return r ? consider(*r) : std::nullopt;
}

}  // namespace sipdns::health::detail
