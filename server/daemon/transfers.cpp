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

const char* error_text(xfr::tsig_error e) {
  return e == xfr::tsig_error::badkey    ? "BADKEY (unknown key)"
         : e == xfr::tsig_error::badtime ? "BADTIME (clock skew)"
                                         : "BADSIG (wrong MAC)";
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
    j.log = std::string("sipdnsd: ") + kind + " of " + zone + " from " + who + " with key " +
            wire::name_to_text(sig.key_name) + ": TSIG " + error_text(sig.error);
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
    j.log = std::string("sipdnsd: ") + kind + " of " + zone + " from " + who +
            (key.empty() ? std::string() : " with key " + wire::name_to_text(key)) +
            " refused (not in --allow-transfer)";
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
    j.log = std::string("sipdnsd: ") + kind + " of " + zone + " to " + who +
            ": not a zone we serve (NOTAUTH)";
    return;
  }
  const uint32_t serial = r.messages_serial;
  std::string address = who.substr(0, who.rfind('#'));
  j.history->note(zone, address, r.kind, serial);
  j.log = "sipdnsd: " + r.kind + " of " + zone + " to " + who + ": " +
          (r.steps ? std::to_string(r.steps) + " change(s), " : std::string()) +
          std::to_string(records) + " records in " + std::to_string(j.messages.size()) +
          " messages (" + std::to_string(ms) + " ms)";
}

}  // namespace

void transfer_log::note(const std::string& zone, const std::string& client,
                        const std::string& kind, uint32_t serial) {
  std::lock_guard lock(mu_);
  last_[{zone, client}] = {kind, serial, std::chrono::steady_clock::now()};
  const std::string label = kind == "IXFR, full"          ? "IXFR-full"
                            : kind == "IXFR, up to date" ? "IXFR-current"
                                                         : kind;
  counts_[{client, label}] += 1;
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
          jb.log = std::string("sipdnsd: error: transfer: ") + e.what();
        }
        std::vector<xfr::message>().swap(jb.messages);
      },
      [](uv_work_t* w, int) {
        std::unique_ptr<job> jb(static_cast<job*>(w->data));
        if (!jb->log.empty()) std::fprintf(stderr, "%s\n", jb->log.c_str());
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
