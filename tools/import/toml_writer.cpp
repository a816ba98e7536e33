// TOML text of an import_plan; each line remembers the master-file line it came from, so that
// the loader's messages about the TOML can be told in terms of the file the user gave.
#include "import/toml_writer.hpp"

#include <arpa/inet.h>

#include <cstdio>

#include "wire/constants.hpp"

namespace sipdns::importer {
namespace {

// A TOML string: basic ("...") when nothing needs escaping, else literal ('...') so that
// ldns's backslashes stay readable, else basic with TOML's escapes.
std::string quote(const std::string& s) {
  bool control = false;
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t') || c == 0x7F) control = true;
  if (!control && s.find_first_of("\"\\") == std::string::npos) return "\"" + s + "\"";
  if (!control && s.find('\'') == std::string::npos) return "'" + s + "'";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string basic(const std::string& s) {  // names: plain characters only
  return "\"" + s + "\"";
}

class out_text {
 public:
  void line(const std::string& s, uint32_t from = 0) {
    t_.text += s + "\n";
    t_.source_line.push_back(from);
  }
  void comment(const std::string& s, size_t width = 96) {  // wrapped "# ..." lines
    std::string rest = s, lead = "# ";
    while (rest.size() + lead.size() > width) {
      size_t cut = rest.rfind(' ', width - lead.size());
      if (cut == std::string::npos || cut == 0) break;
      line(lead + rest.substr(0, cut));
      rest = rest.substr(cut + 1);
      lead = "#   ";
    }
    line(lead + rest);
  }
  toml_text take() { return std::move(t_); }

 private:
  toml_text t_;
};

uint32_t get32(const std::string& s, size_t at) {
  return uint32_t(uint8_t(s[at])) << 24 | uint32_t(uint8_t(s[at + 1])) << 16 |
         uint32_t(uint8_t(s[at + 2])) << 8 | uint8_t(s[at + 3]);
}

size_t name_end(const std::string& w, size_t at) {
  while (at < w.size() && w[at] != 0) at += 1 + uint8_t(w[at]);
  return at + 1;
}

void write_zone(out_text& o, const import_plan& p, const renderer& names) {
  const zone::zone& z = *p.zone;
  const std::string& rd = z.soa.rdata;
  size_t m_end = name_end(rd, 0), r_end = name_end(rd, m_end);
  auto mname = names.name(rd.substr(0, m_end)), rname = names.name(rd.substr(m_end, r_end - m_end), false);
  const char* keys[5] = {"serial", "refresh", "retry", "expire", "minimum"};
  std::string soa = "soa = { mname = " + basic(mname.value_or("")) + ", rname = " +
                    quote(rname.value_or(""));
  for (int i = 0; i < 5; ++i) soa += ", " + std::string(keys[i]) + " = " + std::to_string(get32(rd, r_end + 4 * i));
  o.line("[zone]");
  std::string origin = wire::name_to_text(z.origin);
  if (origin.size() > 1) origin.pop_back();  // the loader makes the origin absolute itself
  o.line("origin = " + basic(origin), z.soa.where.line);
  o.line("ttl = " + std::to_string(z.default_ttl), z.soa.where.line);
  o.line(soa + " }", z.soa.where.line);
  std::string ns;
  uint32_t ns_line = 0;
  for (size_t i = 0; i < z.records.size(); ++i)
    if (p.in_ns[i]) {
      ns += (ns.empty() ? "" : ", ") + basic(*names.name(z.records[i].rdata));
      if (!ns_line) ns_line = z.records[i].where.line;
    }
  o.line("ns = [" + ns + "]", ns_line);
  o.line("records = [");
  for (size_t i = 1; i < z.records.size(); ++i) {
    if (p.in_ns[i] || p.found->replaced[i]) continue;
    uint32_t l = z.records[i].where.line;
    o.line("  " + quote(p.text.at(l)) + ",  # line " + std::to_string(l), l);
  }
  o.line("]");
}

std::string address(const uint8_t* a, int family) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, a, buf, sizeof buf);
  return buf;
}

std::string peer_line(const zone::peer& p, const renderer& names) {
  std::string s = "  { host = " + basic(*names.name(p.host));
  if (p.ipv4) s += ", ipv4 = " + basic(address(p.ipv4->data(), AF_INET));
  if (p.ipv6) s += ", ipv6 = " + basic(address(p.ipv6->data(), AF_INET6));
  if (!p.ports.empty()) {
    s += ", ports = {";
    const char* sep = " ";
    for (auto [svc, port] : p.ports)
      s += sep + basic(zone::info(svc).key) + " = " + std::to_string(port), sep = ", ";
    s += " }";
  }
  return s + " },";
}

void write_cluster(out_text& o, const found_cluster& f, const zone::zone& z, const renderer& names) {
  const zone::cluster& c = f.cluster;
  uint32_t from = z.records[f.replaced.front()].where.line;
  o.line("");
  o.comment("From lines " + line_list(f.replaced, z) + ": " + f.what + ".");
  o.line("[[cluster]]", from);
  if (!c.name.empty()) o.line("name = " + basic(*names.name(c.name)), from);
  bool srv = !c.services.empty();  // else a round-robin-only cluster: no SRV keys at all
  std::string svcs;
  for (zone::service s : c.services) svcs += (svcs.empty() ? "" : ", ") + basic(zone::info(s).key);
  if (srv) {
    o.line("services = [" + svcs + "]", from);
    o.line("srv_owner = " + basic(*names.name(c.srv_owner)), from);
  }
  if (c.naptr) o.line("naptr = true", from);
  if (srv) o.line("srv_ttl = " + std::to_string(c.srv_ttl), from);
  if (!c.name.empty()) o.line("round_robin_ttl = " + std::to_string(c.round_robin_ttl), from);
  if (c.host_ttl) o.line("host_ttl = " + std::to_string(*c.host_ttl), from);
  if (srv) {
    o.line("priority = " + std::to_string(c.peers[0].priority), from);
    o.line("weight = " + std::to_string(c.peers[0].weight), from);
  }
  o.line("peers = [", from);
  for (const zone::peer& p : c.peers) o.line(peer_line(p, names), from);
  o.line("]", from);
}

}  // namespace

toml_text write_toml(const import_plan& p, const renderer& names) {
  out_text o;
  const zone::zone& z = *p.zone;
  size_t replaced = 0;
  for (bool r : p.found->replaced) replaced += r;
  o.comment("Imported by `sipdns import` from " + p.source + " (zone " +
            wire::name_to_text(z.origin) + ").");
  size_t n = p.found->clusters.size();
  if (n == 0)
    o.comment(std::to_string(z.records.size()) + " records, all in [zone]: no cluster recognised.");
  else
    o.comment(std::to_string(z.records.size()) + " records: " + std::to_string(replaced) +
            " derived by the " + (n == 1 ? "[[cluster]]" : std::to_string(n) + " [[cluster]] tables") +
            " below, " + std::to_string(z.records.size() - replaced) + " in [zone].");
  if (!p.found->notes.empty()) o.comment("Not made clusters:");
  for (const std::string& n : p.found->notes) o.comment("- " + n);
  for (const std::string& n : p.notes) o.comment("Note: " + n);
  o.line("");
  write_zone(o, p, names);
  for (const found_cluster& f : p.found->clusters) write_cluster(o, f, z, names);
  return o.take();
}

}  // namespace sipdns::importer
