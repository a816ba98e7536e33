// AXFR/IXFR off the loop: one thread-pool job per transfer.
#include "daemon/transfers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <uv.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <memory>
#include <utility>

#include "daemon/signed_replies.hpp"
#include "log/log.hpp"
#include "uv/priority.hpp"
#include "wire/constants.hpp"
#include "wire/name.hpp"

namespace sipdns::daemon {

namespace {

struct job {
  uv_work_t req{};
  const xfr::acl* acl;
  const std::map<std::string, xfr::tsig_key>* keys;
  const control::runtime* rt;
  transfer_log* history;
  net::transfer_request request;
  net::transfer_reply reply;
  std::vector<xfr::message> messages;
  std::vector<uint8_t> framed;  // the messages, framed off the loop
  std::string log;
};

std::string client_text(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  if (ss.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
    inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
    port = ntohs(a.sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
    inet_ntop(AF_INET6, &a.sin6_addr, ip, sizeof ip);
    port = ntohs(a.sin6_port);
  }
  return std::string(ip) + "#" + std::to_string(port);
}

// The metrics' and the log's name of a transfer kind.
std::string kind_label(const std::string& kind) {
  return kind == "IXFR, full"         ? "IXFR-full"
         : kind == "IXFR, up to date" ? "IXFR-current"
                                      : kind;
}

const char* error_text(xfr::tsig_error e) {
  return e == xfr::tsig_error::badkey    ? "BADKEY (unknown key)"
         : e == xfr::tsig_error::badtime ? "BADTIME (clock skew)"
                                         : "BADSIG (wrong MAC)";
}

// A refused transfer's log line (a warning: a misconfigured secondary, or someone probing).
void log_refused(job& j, const char* kind, const std::string& zone, const std::string& who,
                 const std::string& key, std::string_view reason) {
  log::line l(log::level::warning, "transfer_refused");
  l.kv("kind", kind).kv("zone", zone).kv("client", who);
  if (!key.empty()) l.kv("key", wire::name_to_text(key));
  l.kv("reason", reason).append_to(j.log);
}

void build(job& j) {
  const net::transfer_request& q = j.request;
  const char* kind = q.qtype == wire::rr_type::ixfr ? "IXFR" : "AXFR";
  const std::string who = client_text(q.client);
  const std::string zone = wire::name_to_text(q.qname);
  const uint64_t now = uint64_t(std::time(nullptr));
  const xfr::tsig_request sig = xfr::verify_request(q.query, q.question_end, *j.keys, now);
  if (sig.present && sig.error != xfr::tsig_error::none) {
    j.messages = {tsig_error_reply(q.query, q.question_end, sig, now)};
    log_refused(j, kind, zone, who, sig.key_name, std::string("TSIG ") + error_text(sig.error));
    return;
  }
  const std::string key = sig.present ? sig.key_name : std::string();
  auto signed_ = [&](std::vector<xfr::message> msgs) {
    if (sig.present) {
      xfr::tsig_signer signer(*sig.key, sig.mac, now);
      for (xfr::message& m : msgs) signer.sign(m);
    }
    return msgs;
  };
  if (!j.acl->permits(reinterpret_cast<const sockaddr*>(&q.client), key)) {
    j.messages =
        signed_({xfr::error_reply(q.query, q.question_end, uint16_t(wire::rcode::refused))});
    log_refused(j, kind, zone, who, key, "not in --allow-transfer");
    return;
  }
  auto src = j.rt->transfer_view();
  const auto t0 = std::chrono::steady_clock::now();
  if (!src) {
    j.messages = {xfr::error_reply(q.query, q.question_end, uint16_t(wire::rcode::servfail))};
    return;
  }
  control::transfer_result r =
      control::transfer_messages(*src, q.query, q.question_end, q.qname, q.qtype);
  j.messages = signed_(std::move(r.messages));
  size_t records = 0;
  for (const auto& m : j.messages) records += wire::get16(m.data() + 6);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0).count();
  if (r.kind == "NOTAUTH") {
    log_refused(j, kind, zone, who, {}, "not a zone we serve (NOTAUTH)");
    return;
  }
  const uint32_t serial = r.messages_serial;
  std::string address = who.substr(0, who.rfind('#'));
  j.history->note(zone, address, r.kind, serial);
  log::line l(log::level::info, "transfer");
  l.kv("kind", kind_label(r.kind)).kv("zone", zone).kv("client", who).kv("serial", serial);
  if (r.steps) l.kv("changes", r.steps);
  l.kv("records", records).kv("messages", j.messages.size()).kv("ms", ms).append_to(j.log);
}

}  // namespace

void transfer_log::note(const std::string& zone, const std::string& client,
                        const std::string& kind, uint32_t serial) {
  std::lock_guard lock(mu_);
  last_[{zone, client}] = {kind, serial, std::chrono::steady_clock::now()};
  counts_[{client, kind_label(kind)}] += 1;
}

std::map<std::pair<std::string, std::string>, uint64_t> transfer_log::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void transfer_log::fill(control::status& s) const {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [k, e] : last_) {
    const auto ago = std::chrono::duration_cast<std::chrono::milliseconds>(now - e.at).count();
    s.transfers.push_back({k.first, k.second, e.kind, e.serial, s.now_ms - int64_t(ago)});
  }
}

void serve_transfer(const xfr::acl& acl, const std::map<std::string, xfr::tsig_key>& keys,
                    const control::runtime& rt, transfer_log& log, net::transfer_request req,
                    net::transfer_reply reply) {
  auto j = std::make_unique<job>();
  j->req.data = j.get();
  j->acl = &acl;
  j->keys = &keys;
  j->rt = &rt;
  j->history = &log;
  uv_loop_t* loop = req.loop;
  j->request = std::move(req);
  j->reply = std::move(reply);
  int r = uv_queue_work(
      loop, &j->req,
      [](uv_work_t* w) {
        auto& jb = *static_cast<job*>(w->data);
        const uv::background_priority lowered;  // queries first: a transfer can wait
        try {
          build(jb);
          jb.framed = net::frame_messages(jb.messages);
        } catch (const std::exception& e) {
          jb.framed = net::frame_messages({xfr::error_reply(
              jb.request.query, jb.request.question_end, uint16_t(wire::rcode::servfail))});
          jb.log.clear();
          log::error("transfer_failed").kv("error", e.what()).append_to(jb.log);
        }
        std::vector<xfr::message>().swap(jb.messages);
      },
      [](uv_work_t* w, int) {
        std::unique_ptr<job> jb(static_cast<job*>(w->data));
        log::write_lines(jb->log);
        jb->reply(std::move(jb->framed));  // UV_ECANCELED too: the connection resumes
      });
  if (r < 0) {
    j->reply(net::frame_messages({xfr::error_reply(j->request.query, j->request.question_end,
                                                   uint16_t(wire::rcode::servfail))}));
    return;
  }
  (void)j.release();  // owned by the request until the after-work callback
}

}  // namespace sipdns::daemon
