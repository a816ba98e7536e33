// Protocol conformance of the real sipdnsd (RFC 1035, 6891, 8906 and friends): hand-built
// queries over UDP and TCP to a server on a free 127.0.0.1 port, one case per rule.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// After the standard headers: ldns/common.h may define `bool` for C.
#include <ldns/ldns.h>

namespace {

using bytes = std::vector<uint8_t>;

// ---- the server under test ------------------------------------------------------------------

struct fd_guard {
  int fd;
  explicit fd_guard(int f) : fd(f) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() { if (fd >= 0) ::close(fd); }
};

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A port on which both a UDP and a TCP socket could bind just now (the server may still lose
// a race for it; start() then tries another).
uint16_t free_port() {
  fd_guard u(::socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in a = loopback(0);
  if (::bind(u.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  socklen_t len = sizeof a;
  ::getsockname(u.fd, reinterpret_cast<sockaddr*>(&a), &len);
  fd_guard t(::socket(AF_INET, SOCK_STREAM, 0));
  if (::bind(t.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  return ntohs(a.sin_port);
}

std::optional<bytes> udp_ask(uint16_t port, const bytes& q, int timeout_ms = 2000);

// sipdnsd started once for the whole program on the bundled zones (zones/ and
// tests/data/good/), stopped when the program ends. PR_SET_PDEATHSIG kills it even when the
// test itself is killed by CTest's timeout.
class server_process {
 public:
  static server_process& get() {
    static server_process s;
    return s;
  }
  uint16_t port() const { return port_; }
  bool alive() {
    if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;  // reaped: gone
    return pid_ > 0;
  }
  std::string log() const {
    std::ifstream f(log_path_);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  ~server_process() {
    stop();
    ::unlink(log_path_.c_str());
  }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string log_path_;

  server_process() {
    const char* env = std::getenv("SIPDNSD");
    std::string binary = env && *env ? env : "build/server/sipdnsd";
    char tmpl[] = "/tmp/sipdns-conformance-XXXXXX";
    int log_fd = ::mkstemp(tmpl);
    if (log_fd < 0) throw std::runtime_error("mkstemp failed");
    log_path_ = tmpl;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      if (port_ == 0) continue;
      std::string listen = "127.0.0.1:" + std::to_string(port_);
      ::ftruncate(log_fd, 0);
      pid_ = ::fork();
      if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        ::execl(binary.c_str(), binary.c_str(), "--listen", listen.c_str(), "--zones", "zones/",
                "--zones", "tests/data/good/", static_cast<char*>(nullptr));
        ::_exit(127);
      }
      // Ready when it answers: at most 100 probes, 100 ms apart.
      bytes probe = {0x51, 0x51, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1};  // . SOA
      for (int i = 0; i < 100 && alive(); ++i) {
        if (udp_ask(port_, probe, 100)) {
          ::close(log_fd);
          return;
        }
        // An ICMP port unreachable ends a probe at once: wait out the rest of the 100 ms.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      stop();
    }
    ::close(log_fd);
    throw std::runtime_error("sipdnsd (" + binary + ") did not start:\n" + log());
  }

  // SIGTERM, then SIGKILL after 3 s; always reaps the child.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 30; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
};

// ---- a raw client ---------------------------------------------------------------------------

// One query on a fresh connected socket, so a late reply to another case cannot be mistaken
// for this one's. nullopt when nothing arrives within the timeout.
std::optional<bytes> udp_ask(uint16_t port, const bytes& q, int timeout_ms) {
  fd_guard s(::socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in a = loopback(port);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return std::nullopt;
  if (::send(s.fd, q.data(), q.size(), 0) != ssize_t(q.size())) return std::nullopt;
  pollfd p{s.fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
  bytes r(65535);
  ssize_t n = ::recv(s.fd, r.data(), r.size(), 0);
  if (n < 0) return std::nullopt;
  r.resize(size_t(n));
  return r;
}

bool read_n(int fd, uint8_t* p, size_t n) {
  for (int rounds = 0; n > 0 && rounds < 1000; ++rounds) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 2000) <= 0) return false;
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return n == 0;
}

// RFC 1035 4.2.2: two-byte length prefix.
std::optional<bytes> tcp_ask(uint16_t port, const bytes& q) {
  fd_guard s(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a = loopback(port);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return std::nullopt;
  bytes framed = {uint8_t(q.size() >> 8), uint8_t(q.size())};
  framed.insert(framed.end(), q.begin(), q.end());
  if (::send(s.fd, framed.data(), framed.size(), MSG_NOSIGNAL) != ssize_t(framed.size()))
    return std::nullopt;
  uint8_t len[2];
  if (!read_n(s.fd, len, 2)) return std::nullopt;
  bytes r(size_t(len[0]) << 8 | len[1]);
  if (!read_n(s.fd, r.data(), r.size())) return std::nullopt;
  return r;
}

std::optional<bytes> ask(const bytes& q) { return udp_ask(server_process::get().port(), q); }
std::optional<bytes> ask_tcp(const bytes& q) { return tcp_ask(server_process::get().port(), q); }

// ---- building queries -----------------------------------------------------------------------

namespace type {
constexpr uint16_t a = 1, soa = 6, txt = 16, naptr = 35, opt = 41, ixfr = 251, axfr = 252,
                   maila = 253, mailb = 254, any = 255, unknown = 65000;
}
namespace cls {
constexpr uint16_t in = 1, ch = 3, hs = 4;
}
namespace rc {
constexpr int noerror = 0, formerr = 1, nxdomain = 3, notimp = 4, refused = 5, badvers = 16;
}

void put16(bytes& b, size_t at, uint16_t v) {
  b[at] = uint8_t(v >> 8);
  b[at + 1] = uint8_t(v);
}
uint16_t get16(const bytes& b, size_t at) { return uint16_t(b[at] << 8 | b[at + 1]); }

// Presentation name ("Ns1.UcTeSt.local") to uncompressed wire form, case kept.
bytes wire_name(std::string_view name) {
  bytes w;
  while (!name.empty()) {
    size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    w.push_back(uint8_t(label.size()));
    w.insert(w.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  w.push_back(0);
  return w;
}

// A header (id 0xBEEF, no flags) and one question.
bytes query(std::string_view name, uint16_t qtype, uint16_t qclass = cls::in) {
  bytes q = {0xBE, 0xEF, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  bytes n = wire_name(name);
  q.insert(q.end(), n.begin(), n.end());
  q.insert(q.end(), {uint8_t(qtype >> 8), uint8_t(qtype), uint8_t(qclass >> 8), uint8_t(qclass)});
  return q;
}

void set_opcode(bytes& q, uint8_t opcode) { q[2] = uint8_t((q[2] & 0x87) | opcode << 3); }

// An OPT record to add to a query, built with chained setters: opt().size(512).version(1).
struct opt {
  uint16_t size_ = 1232;
  uint8_t version_ = 0;
  uint16_t flags_ = 0;  // DO is 0x8000
  bytes options_;       // raw {code, length, data} sequence
  bytes owner_ = {0};   // the root
  opt& size(uint16_t v) { size_ = v; return *this; }
  opt& version(uint8_t v) { version_ = v; return *this; }
  opt& flags(uint16_t v) { flags_ = v; return *this; }
  opt& options(bytes v) { options_ = std::move(v); return *this; }
  opt& owner(bytes v) { owner_ = std::move(v); return *this; }
};

bytes opt_record(const opt& o) {
  bytes r = o.owner_;
  r.insert(r.end(), {0, type::opt, uint8_t(o.size_ >> 8), uint8_t(o.size_), 0, o.version_,
                     uint8_t(o.flags_ >> 8), uint8_t(o.flags_), uint8_t(o.options_.size() >> 8),
                     uint8_t(o.options_.size())});
  r.insert(r.end(), o.options_.begin(), o.options_.end());
  return r;
}

// Appends an OPT record and counts it in the section whose count sits at `count_at`
// (6 ANSWER, 8 AUTHORITY, 10 ADDITIONAL).
bytes with_opt(bytes q, const opt& o = opt(), size_t count_at = 10) {
  bytes r = opt_record(o);
  q.insert(q.end(), r.begin(), r.end());
  put16(q, count_at, uint16_t(get16(q, count_at) + 1));
  return q;
}

// ---- reading replies ------------------------------------------------------------------------

struct pkt_deleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};

// A reply as a client sees it: header bits read from the bytes, the OPT found by walking the
// records, sections parsed by ldns (the oracle: it must accept every reply we get).
struct reply {
  bytes b;
  std::unique_ptr<ldns_pkt, pkt_deleter> pkt;
  int opt_count = 0;
  bool opt_in_additional = false, opt_owner_root = false;
  uint16_t opt_size = 0, opt_flags = 0, opt_rdlen = 0;
  uint8_t opt_ext_rcode = 0, opt_version = 0;
  bool well_formed = false;  // the records fill the message exactly

  explicit reply(bytes bytes_in) : b(std::move(bytes_in)) {
    ldns_pkt* p = nullptr;
    if (ldns_wire2pkt(&p, b.data(), b.size()) == LDNS_STATUS_OK) pkt.reset(p);
    if (b.size() < 12) return;
    size_t pos = 12;
    for (int i = 0; i < qdcount(); ++i) {
      pos = skip_name(pos);
      if (pos == 0 || pos + 4 > b.size()) return;
      pos += 4;
    }
    int records = ancount() + nscount() + arcount();
    for (int i = 0; i < records; ++i) {
      size_t owner = pos;
      pos = skip_name(pos);
      if (pos == 0 || pos + 10 > b.size()) return;
      uint16_t rdlen = get16(b, pos + 8);
      if (get16(b, pos) == type::opt) {
        ++opt_count;
        opt_in_additional = i >= ancount() + nscount();
        opt_owner_root = b[owner] == 0;
        opt_size = get16(b, pos + 2);
        opt_ext_rcode = b[pos + 4];
        opt_version = b[pos + 5];
        opt_flags = get16(b, pos + 6);
        opt_rdlen = rdlen;
      }
      pos += 10 + rdlen;
      if (pos > b.size()) return;
    }
    well_formed = pos == b.size();
  }

  size_t skip_name(size_t pos) const {
    for (int labels = 0; pos < b.size() && labels < 128; ++labels) {
      uint8_t len = b[pos];
      if (len == 0) return pos + 1;
      if ((len & 0xC0) == 0xC0) return pos + 2 <= b.size() ? pos + 2 : 0;
      pos += 1 + size_t(len);
    }
    return 0;
  }

  uint16_t id() const { return get16(b, 0); }
  uint16_t flags() const { return get16(b, 2); }
  bool qr() const { return flags() & 0x8000; }
  int opcode() const { return (flags() >> 11) & 0xF; }
  bool aa() const { return flags() & 0x0400; }
  bool tc() const { return flags() & 0x0200; }
  bool rd() const { return flags() & 0x0100; }
  bool ra() const { return flags() & 0x0080; }
  bool z() const { return flags() & 0x0040; }
  bool ad() const { return flags() & 0x0020; }
  bool cd() const { return flags() & 0x0010; }
  int qdcount() const { return get16(b, 4); }
  int ancount() const { return get16(b, 6); }
  int nscount() const { return get16(b, 8); }
  int arcount() const { return get16(b, 10); }
  // RFC 6891 6.1.3: the upper 8 bits of the 12-bit rcode travel in the OPT.
  int rcode() const { return (flags() & 0xF) | (opt_count ? opt_ext_rcode << 4 : 0); }
  bool has_opt() const { return opt_count == 1 && opt_in_additional && opt_owner_root; }
  // The question section as bytes (the query's question must come back byte for byte).
  bytes question() const {
    if (qdcount() != 1) return {};
    size_t end = skip_name(12);
    return end == 0 || end + 4 > b.size() ? bytes{} : bytes(b.begin() + 12, b.begin() + long(end + 4));
  }
  int authority_soa() const {
    int n = 0;
    if (!pkt) return 0;
    ldns_rr_list* l = ldns_pkt_authority(pkt.get());
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); ++i)
      n += ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_SOA;
    return n;
  }
};

bytes question_of(const bytes& q) {
  size_t pos = 12;
  while (q[pos] != 0) pos += 1 + q[pos];
  return bytes(q.begin() + 12, q.begin() + long(pos + 5));
}

// Asks over UDP (or TCP) and returns the reply; fails the case when none arrives.
reply exchange(const bytes& q, bool tcp = false) {
  auto r = tcp ? ask_tcp(q) : ask(q);
  REQUIRE_MESSAGE(r.has_value(), "no reply from sipdnsd; log:\n" << server_process::get().log());
  reply rep(std::move(*r));
  REQUIRE(rep.b.size() >= 12);
  CHECK(rep.qr());
  CHECK(rep.id() == get16(q, 0));
  CHECK(rep.well_formed);
  CHECK_MESSAGE(rep.pkt != nullptr, "ldns could not parse the reply");
  return rep;
}

// What every error reply (FORMERR, NOTIMP, REFUSED, BADVERS) looks like: no records but the
// OPT, never authoritative data.
void check_empty(const reply& r) {
  CHECK(r.ancount() == 0);
  CHECK(r.nscount() == 0);
  CHECK(r.arcount() == (r.opt_count ? 1 : 0));
}

// A normal query after a packet that must get no reply: the server is still answering.
void check_still_serving() {
  auto r = exchange(query("ns1.uctest.local", type::a));
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.ancount() == 1);
}

constexpr std::string_view existing = "ns1.uctest.local";    // A 127.0.0.1
constexpr std::string_view missing = "nope.uctest.local";    // NXDOMAIN
constexpr std::string_view outside = "www.example.org";      // in no zone: REFUSED
constexpr std::string_view too_big = "many.big.test";        // 100 A records, 1.6 KB
constexpr std::string_view mid_size = "example.com";         // NAPTR answer of 657 bytes

}  // namespace

// ---- header (RFC 1035 4.1.1, RFC 4035 3.1.6, RFC 8906 3.1.3) ----------------------------------

TEST_CASE("RFC 1035 4.1.1: the ID is echoed and QR set in every reply") {
  for (uint16_t id : {0x0000, 0x0001, 0x7FFF, 0xFFFF}) {
    auto q = query(existing, type::a);
    put16(q, 0, id);
    auto r = exchange(q);
    CHECK(r.id() == id);
    CHECK(r.qr());
    CHECK(r.opcode() == 0);
  }
}

TEST_CASE("RFC 1035 4.1.1: RA is never set by an authoritative-only server") {
  for (bool rd : {false, true}) {
    auto q = query(existing, type::a);
    if (rd) q[2] |= 0x01;
    CHECK_FALSE(exchange(q).ra());
    CHECK_FALSE(exchange(query(outside, type::a)).ra());
  }
}

TEST_CASE("RFC 1035 4.1.1: RD is copied from the query into the reply") {
  auto q = query(existing, type::a);
  CHECK_FALSE(exchange(q).rd());
  q[2] |= 0x01;
  auto r = exchange(q);
  CHECK(r.rd());
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.aa());
}

TEST_CASE("RFC 4035 3.1.6: CD is copied from the query into the reply") {
  auto q = query(existing, type::a);
  CHECK_FALSE(exchange(q).cd());
  q[3] |= 0x10;
  auto r = exchange(q);
  CHECK(r.cd());
  CHECK(r.ancount() == 1);
}

TEST_CASE("RFC 4035 3.1.6: AD is never set by a server that does not validate") {
  auto q = query(existing, type::a);
  q[3] |= 0x20;  // RFC 6840 5.7: AD in a query only asks for the AD bit in the reply
  auto r = exchange(q);
  CHECK_FALSE(r.ad());
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.ancount() == 1);
}

TEST_CASE("RFC 8906 3.1.3: a nonzero Z bit is ignored (normal answer) and Z is zero in the reply") {
  auto q = query(existing, type::a);
  q[3] |= 0x40;
  auto r = exchange(q);
  CHECK_FALSE(r.z());
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.aa());
  REQUIRE(r.ancount() == 1);
  auto plain = exchange(query(existing, type::a));
  CHECK(bytes(r.b.begin() + 4, r.b.end()) == bytes(plain.b.begin() + 4, plain.b.end()));
}

TEST_CASE("RFC 8906 3.1.3: TC is not set on a reply that fits") {
  for (auto q : {query(existing, type::a), query(missing, type::a), query(outside, type::a),
                 with_opt(query(mid_size, type::naptr))})
    CHECK_FALSE(exchange(q).tc());
}

// ---- dropped packets -------------------------------------------------------------------------

TEST_CASE("RFC 1035 4.1.1: a message with QR=1 (a response) gets no reply") {
  auto q = query(existing, type::a);
  q[2] |= 0x80;
  CHECK_FALSE(ask(q).has_value());
  auto with_edns = with_opt(query(existing, type::a));
  with_edns[2] |= 0x80;
  CHECK_FALSE(ask(with_edns).has_value());
  check_still_serving();
}

TEST_CASE("RFC 1035 4.1.1: a packet shorter than the 12-byte header gets no reply") {
  auto q = query(existing, type::a);
  for (size_t n : {size_t(1), size_t(2), size_t(11)}) {
    CHECK_FALSE(ask(bytes(q.begin(), q.begin() + long(n))).has_value());
  }
  check_still_serving();
}

// ---- the question ----------------------------------------------------------------------------

TEST_CASE("RFC 1035 4.1.2 / RFC 4343: the question is echoed byte for byte, 0x20 case included") {
  std::vector<bytes> cases = {
      query("Ns1.UcTeSt.LoCaL", type::a),                        // answer
      query("NoPe.UCTEST.local", type::a),                       // NXDOMAIN
      query("hAbIbExPc-ClUsTeR.uctest.local", type::unknown),    // NODATA
      query("WWW.Example.ORG", type::a),                         // REFUSED (no zone)
      query("VeRsIoN.BiNd", type::txt, cls::ch),                 // REFUSED (CHAOS)
      query("UcTeSt.LoCaL", type::axfr),                         // NOTIMP (AXFR over UDP)
      query("UcTeSt.LoCaL", type::maila),                        // NOTIMP
      query("UcTeSt.LoCaL", type::opt),                          // FORMERR
      with_opt(query("Ns1.UcTeSt.LoCaL", type::a), opt().version(1)),  // BADVERS
  };
  auto notify = query("UcTeSt.LoCaL", type::soa);
  set_opcode(notify, 4);
  cases.push_back(notify);
  for (const auto& q : cases) {
    auto r = exchange(q);
    CHECK(r.qdcount() == 1);
    CHECK(r.question() == question_of(q));
  }
  // Over TCP too.
  auto q = query("_SiP._TcP.uctest.LOCAL", type::a);
  CHECK(exchange(q, true).question() == question_of(q));
}

TEST_CASE("RFC 9619: QDCOUNT=0 is FORMERR, with an OPT when the query had one") {
  bytes header = {0xBE, 0xEF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  auto r = exchange(header);
  CHECK(r.rcode() == rc::formerr);
  CHECK(r.qdcount() == 0);
  CHECK(r.opt_count == 0);
  check_empty(r);
  auto e = exchange(with_opt(header));
  CHECK(e.rcode() == rc::formerr);
  CHECK(e.qdcount() == 0);
  CHECK(e.has_opt());
  check_empty(e);
}

TEST_CASE("RFC 9619: QDCOUNT>1 is FORMERR") {
  auto q = query(existing, type::a);
  auto second = question_of(query("habibexpc1.uctest.local", type::a));
  q.insert(q.end(), second.begin(), second.end());
  put16(q, 4, 2);
  auto r = exchange(q);
  CHECK(r.rcode() == rc::formerr);
  CHECK(r.qdcount() == 0);
  check_empty(r);
  auto e = exchange(with_opt(q));
  CHECK(e.rcode() == rc::formerr);
  CHECK(e.has_opt());
  // A count that promises questions the packet does not hold.
  auto lying = query(existing, type::a);
  put16(lying, 4, 3);
  CHECK(exchange(lying).rcode() == rc::formerr);
}

TEST_CASE("RFC 1035 4.1.2: a malformed question (truncated, compressed, label > 63) is FORMERR") {
  auto q = query(existing, type::a);
  CHECK(exchange(bytes(q.begin(), q.end() - 2)).rcode() == rc::formerr);
  bytes pointer = {0xBE, 0xEF, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  CHECK(exchange(pointer).rcode() == rc::formerr);
  bytes long_label = {0xBE, 0xEF, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64};
  long_label.resize(long_label.size() + 64, 'a');
  long_label.insert(long_label.end(), {0, 0, 1, 0, 1});
  auto r = exchange(long_label);
  CHECK(r.rcode() == rc::formerr);
  CHECK(r.qdcount() == 0);
  check_still_serving();
}

// ---- opcodes (RFC 1035 4.1.1, RFC 8906 3.1.4) --------------------------------------------------

TEST_CASE("RFC 8906 3.1.4: unknown opcodes (3, 6..15) and STATUS (2) get NOTIMP") {
  for (uint8_t op : {2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}) {
    CAPTURE(int(op));
    auto q = query(existing, type::a);
    set_opcode(q, op);
    auto r = exchange(q);
    CHECK(r.rcode() == rc::notimp);
    CHECK(r.opcode() == op);
    CHECK(r.question() == question_of(q));
    check_empty(r);
  }
}

TEST_CASE("RFC 8906 8.1.4: NOTIMP clears every header flag but QR and the opcode") {
  auto q = query(existing, type::a);
  set_opcode(q, 15);
  q[2] |= 0x04 | 0x02 | 0x01;         // AA, TC, RD
  q[3] |= 0x80 | 0x40 | 0x20 | 0x10;  // RA, Z, AD, CD
  for (bool tcp : {false, true}) {
    CAPTURE(tcp);
    auto r = exchange(q, tcp);
    CHECK(r.rcode() == rc::notimp);
    CHECK(r.opcode() == 15);
    CHECK(r.qr());
    CHECK((r.flags() & 0x07F0) == 0);  // AA TC RD RA Z AD CD
  }
}

TEST_CASE("RFC 1996 / RFC 2136: NOTIFY (4) and UPDATE (5) get NOTIMP (no transfers or updates)") {
  for (uint8_t op : {4, 5}) {
    CAPTURE(int(op));
    auto q = query("uctest.local", type::soa);
    set_opcode(q, op);
    for (bool tcp : {false, true}) {
      auto r = exchange(q, tcp);
      CHECK(r.rcode() == rc::notimp);
      CHECK(r.opcode() == op);
      CHECK_FALSE(r.aa());
      check_empty(r);
    }
  }
}

TEST_CASE("RFC 6891 7: NOTIMP, FORMERR and REFUSED replies carry an OPT when the query had one") {
  auto notify = with_opt(query("uctest.local", type::soa));
  set_opcode(notify, 4);
  auto n = exchange(notify);
  CHECK(n.rcode() == rc::notimp);
  CHECK(n.has_opt());
  CHECK(n.opt_version == 0);
  auto update = with_opt(query("uctest.local", type::soa));
  set_opcode(update, 5);
  CHECK(exchange(update).has_opt());
  auto status = with_opt(query("uctest.local", type::soa));
  set_opcode(status, 2);
  CHECK(exchange(status).has_opt());
  auto formerr = exchange(with_opt(query("uctest.local", type::opt)));
  CHECK(formerr.rcode() == rc::formerr);
  CHECK(formerr.has_opt());
  auto refused = exchange(with_opt(query(outside, type::a)));
  CHECK(refused.rcode() == rc::refused);
  CHECK(refused.has_opt());
  auto chaos = exchange(with_opt(query("version.bind", type::txt, cls::ch)));
  CHECK(chaos.rcode() == rc::refused);
  CHECK(chaos.has_opt());
  // And none when the query had none.
  auto plain = query("uctest.local", type::soa);
  set_opcode(plain, 4);
  CHECK(exchange(plain).opt_count == 0);
}

// ---- query types (RFC 3597, RFC 8906 3.1.2, RFC 8482, RFC 5936, RFC 1995) ----------------------

TEST_CASE("RFC 8906 3.1.2 / RFC 3597: an unknown type at an existing name is NODATA with the SOA") {
  for (uint16_t t : {type::unknown, uint16_t(65535), uint16_t(999)}) {
    CAPTURE(t);
    auto r = exchange(query(existing, t));
    CHECK(r.rcode() == rc::noerror);
    CHECK(r.aa());
    CHECK(r.ancount() == 0);
    CHECK(r.authority_soa() == 1);
  }
}

TEST_CASE("RFC 8906 3.1.2 / RFC 3597: an unknown type at a missing name is NXDOMAIN with the SOA") {
  auto r = exchange(query(missing, type::unknown));
  CHECK(r.rcode() == rc::nxdomain);
  CHECK(r.aa());
  CHECK(r.ancount() == 0);
  CHECK(r.authority_soa() == 1);
}

TEST_CASE("RFC 5936 4.2: AXFR over UDP gets NOTIMP (as NSD and Knot answer)") {
  auto r = exchange(query("uctest.local", type::axfr));
  CHECK(r.rcode() == rc::notimp);
  check_empty(r);
  CHECK(exchange(with_opt(query("uctest.local", type::axfr))).has_opt());
}

TEST_CASE("RFC 5936 2.2.1: AXFR over TCP is REFUSED (no transfer is provided to anyone yet)") {
  auto r = exchange(query("uctest.local", type::axfr), true);
  CHECK(r.rcode() == rc::refused);
  check_empty(r);
}

TEST_CASE("RFC 1995: IXFR is REFUSED over UDP and over TCP (no transfer is provided yet)") {
  // An IXFR carries the client's SOA in AUTHORITY; a bare question is refused the same way.
  auto q = query("uctest.local", type::ixfr);
  bytes soa = {0xC0, 12, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
               0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  bytes with_soa = q;
  with_soa.insert(with_soa.end(), soa.begin(), soa.end());
  put16(with_soa, 8, 1);
  for (bool tcp : {false, true})
    for (const auto& x : {q, with_soa}) {
      CAPTURE(tcp);
      auto r = exchange(x, tcp);
      CHECK(r.rcode() == rc::refused);
      check_empty(r);
    }
}

TEST_CASE("RFC 1035 3.2.3: MAILA (253) and MAILB (254) get NOTIMP") {
  for (uint16_t t : {type::maila, type::mailb}) {
    auto r = exchange(query("uctest.local", t));
    CHECK(r.rcode() == rc::notimp);
    check_empty(r);
  }
}

TEST_CASE("RFC 8482 4.1: ANY gets one RRset, not the whole node") {
  auto r = exchange(query("uctest.local", type::any));
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.aa());
  REQUIRE(r.pkt);
  ldns_rr_list* an = ldns_pkt_answer(r.pkt.get());
  REQUIRE(ldns_rr_list_rr_count(an) >= 1);
  ldns_rr_type first = ldns_rr_get_type(ldns_rr_list_rr(an, 0));
  for (size_t i = 0; i < ldns_rr_list_rr_count(an); ++i)
    CHECK(ldns_rr_get_type(ldns_rr_list_rr(an, i)) == first);
}

TEST_CASE("RFC 6891 6.1.1: OPT as the query type is FORMERR") {
  CHECK(exchange(query("uctest.local", type::opt)).rcode() == rc::formerr);
}

// ---- classes ---------------------------------------------------------------------------------

TEST_CASE("CHAOS version.bind, id.server, hostname.bind are REFUSED: we disclose nothing") {
  for (auto name : {"version.bind", "id.server", "hostname.bind", "authors.bind"})
    for (uint16_t t : {type::txt, type::any}) {
      CAPTURE(name);
      auto r = exchange(query(name, t, cls::ch));
      CHECK(r.rcode() == rc::refused);
      CHECK_FALSE(r.aa());
      check_empty(r);
    }
}

TEST_CASE("RFC 6895 3.2: classes other than IN and ANY (HS, NONE, unassigned) are REFUSED") {
  for (uint16_t c : {cls::hs, uint16_t(2), uint16_t(254), uint16_t(1000)}) {
    CAPTURE(c);
    auto r = exchange(query(existing, type::a, c));
    CHECK(r.rcode() == rc::refused);
    check_empty(r);
  }
}

// ---- EDNS (RFC 6891, RFC 8906 3.2) -----------------------------------------------------------

TEST_CASE("RFC 6891 7: a query with an OPT gets exactly one OPT back, version 0, our size") {
  auto r = exchange(with_opt(query(existing, type::a), opt().size(4096)));
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.has_opt());
  CHECK(r.opt_count == 1);
  CHECK(r.opt_version == 0);
  CHECK(r.opt_size == 1232);
  CHECK(r.ancount() == 1);
  CHECK(exchange(query(existing, type::a)).opt_count == 0);
}

TEST_CASE("RFC 6891 6.1.3: EDNS version > 0 gets BADVERS with an OPT and no answer") {
  for (uint8_t v : {1, 2, 255}) {
    CAPTURE(int(v));
    auto r = exchange(with_opt(query(existing, type::a), opt().version(v)));
    CHECK(r.rcode() == rc::badvers);
    CHECK((r.flags() & 0xF) == 0);  // 16 = extended rcode 1 in the OPT, 0 in the header
    CHECK(r.opt_ext_rcode == 1);
    CHECK(r.has_opt());
    CHECK(r.opt_version == 0);  // the highest version we implement
    check_empty(r);
    CHECK(r.question() == question_of(query(existing, type::a)));
  }
}

TEST_CASE("RFC 8906 3.2.2: EDNS version 1 with an unknown option and flag is still BADVERS") {
  auto r = exchange(with_opt(query(existing, type::a),
                             opt().version(1).flags(0x4000).options({0xFF, 0xAA, 0, 2, 1, 2})));
  CHECK(r.rcode() == rc::badvers);
  CHECK(r.has_opt());
  CHECK(r.opt_flags == 0);
  CHECK(r.opt_rdlen == 0);
}

TEST_CASE("RFC 6891 6.1.2 / RFC 8906 3.2.3: unknown EDNS options are ignored and not echoed") {
  auto plain = exchange(with_opt(query(existing, type::a)));
  for (uint16_t code : {uint16_t(100), uint16_t(65001), uint16_t(14)}) {
    CAPTURE(code);
    bytes options = {uint8_t(code >> 8), uint8_t(code), 0, 4, 0xDE, 0xAD, 0xBE, 0xEF,
                     0xFF, 0xFE, 0, 0};  // and an empty one
    auto r = exchange(with_opt(query(existing, type::a), opt().options(options)));
    CHECK(r.rcode() == rc::noerror);
    CHECK(r.has_opt());
    CHECK(r.opt_rdlen == 0);
    CHECK(r.b == plain.b);  // the same answer as without the options
  }
}

TEST_CASE("RFC 6891 6.1.2: an option overrunning the OPT RDATA is FORMERR") {
  auto r = exchange(with_opt(query(existing, type::a), opt().options({0, 100, 0, 9, 1, 2})));
  CHECK(r.rcode() == rc::formerr);
  CHECK(r.has_opt());
  check_empty(r);
  auto half = exchange(with_opt(query(existing, type::a), opt().options({0, 100, 0})));
  CHECK(half.rcode() == rc::formerr);
}

TEST_CASE("RFC 6891 6.1.4 / RFC 8906 3.2.4: unknown EDNS flags are ignored and not echoed") {
  for (uint16_t f : {uint16_t(0x4000), uint16_t(0x0001), uint16_t(0x7FFF)}) {
    CAPTURE(f);
    auto r = exchange(with_opt(query(existing, type::a), opt().flags(f)));
    CHECK(r.rcode() == rc::noerror);
    CHECK(r.ancount() == 1);
    CHECK(r.has_opt());
    CHECK(r.opt_flags == 0);
  }
}

TEST_CASE("RFC 3225 3 / RFC 8906 3.2.6: DO=1 is answered normally, DO copied, no DNSSEC records") {
  auto r = exchange(with_opt(query(existing, type::a), opt().flags(0xC000)));  // DO + unknown
  CHECK(r.rcode() == rc::noerror);
  CHECK(r.aa());
  CHECK_FALSE(r.ad());
  CHECK(r.opt_flags == 0x8000);  // DO copied, the unknown bit not
  REQUIRE(r.ancount() == 1);
  REQUIRE(r.pkt);
  for (ldns_rr_list* l : {ldns_pkt_answer(r.pkt.get()), ldns_pkt_authority(r.pkt.get()),
                          ldns_pkt_additional(r.pkt.get())})
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); ++i) {
      ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(l, i));
      CHECK(t != LDNS_RR_TYPE_RRSIG);
      CHECK(t != LDNS_RR_TYPE_NSEC);
      CHECK(t != LDNS_RR_TYPE_NSEC3);
    }
  auto nx = exchange(with_opt(query(missing, type::a), opt().flags(0x8000)));
  CHECK(nx.rcode() == rc::nxdomain);
  CHECK(nx.authority_soa() == 1);
  CHECK(nx.nscount() == 1);  // the SOA alone, no NSEC proof
}

TEST_CASE("RFC 6891 6.1.1: two OPT records are FORMERR") {
  auto q = with_opt(with_opt(query(existing, type::a)));
  auto r = exchange(q);
  CHECK(r.rcode() == rc::formerr);
  CHECK(r.has_opt());  // RFC 6891 7: the query had an OPT
  CHECK(r.opt_flags == 0);
  check_empty(r);
  CHECK(r.question() == question_of(q));
}

TEST_CASE("RFC 6891 6.1.1: an OPT record in ANSWER or AUTHORITY is FORMERR") {
  for (size_t count_at : {size_t(6), size_t(8)}) {
    CAPTURE(count_at);
    auto r = exchange(with_opt(query(existing, type::a), opt(), count_at));
    CHECK(r.rcode() == rc::formerr);
    check_empty(r);
  }
}

TEST_CASE("RFC 6891 6.1.2: an OPT record whose owner is not the root is FORMERR") {
  auto r = exchange(with_opt(query(existing, type::a), opt().owner(wire_name("foo"))));
  CHECK(r.rcode() == rc::formerr);
  check_empty(r);
}

TEST_CASE("RFC 8906 3.2.7: EDNS over TCP gets an OPT and the whole answer") {
  auto r = exchange(with_opt(query(too_big, type::a), opt().size(512)), true);
  CHECK(r.rcode() == rc::noerror);
  CHECK_FALSE(r.tc());
  CHECK(r.ancount() == 100);
  CHECK(r.has_opt());
}

// ---- response size (RFC 1035 4.2.1, RFC 6891 6.2.3-6.2.5, RFC 8906 3.2.5) ----------------------

TEST_CASE("RFC 1035 4.2.1: without an OPT a UDP reply is at most 512 bytes, TC when cut") {
  auto big = exchange(query(too_big, type::a));
  CHECK(big.b.size() <= 512);
  CHECK(big.tc());
  CHECK(big.ancount() == 0);
  // 657 bytes with all its addresses: additional records are dropped first, no TC.
  auto mid = exchange(query(mid_size, type::naptr));
  CHECK(mid.b.size() <= 512);
  CHECK(mid.ancount() == 3);
  CHECK_FALSE(mid.tc());
}

TEST_CASE("RFC 6891 6.2.3: with an OPT of 512..1232 a UDP reply is at most that size") {
  auto full = exchange(with_opt(query(mid_size, type::naptr), opt().size(1232)));
  REQUIRE(full.b.size() > 600);  // the case is meaningful only if the answer is this large
  CHECK_FALSE(full.tc());
  for (uint16_t size : {uint16_t(512), uint16_t(600), uint16_t(700), uint16_t(1000),
                        uint16_t(1232)}) {
    CAPTURE(size);
    auto r = exchange(with_opt(query(mid_size, type::naptr), opt().size(size)));
    CHECK(r.b.size() <= size);
    CHECK(r.has_opt());
    CHECK(r.ancount() == 3);
    if (size >= full.b.size()) CHECK(r.b == full.b);
    auto big = exchange(with_opt(query(too_big, type::a), opt().size(size)));
    CHECK(big.b.size() <= size);
    CHECK(big.tc());
    CHECK(big.has_opt());
  }
}

TEST_CASE("RFC 6891 6.2.5: an OPT size below 512 is treated as 512") {
  for (uint16_t size : {uint16_t(0), uint16_t(1), uint16_t(100), uint16_t(511)}) {
    CAPTURE(size);
    auto r = exchange(with_opt(query(mid_size, type::naptr), opt().size(size)));
    CHECK(r.b.size() <= 512);
    CHECK(r.b.size() > 400);  // 512, not the tiny advertised size
    CHECK(r.ancount() == 3);
    CHECK_FALSE(r.tc());
    auto big = exchange(with_opt(query(too_big, type::a), opt().size(size)));
    CHECK(big.b.size() <= 512);
    CHECK(big.tc());
  }
}

TEST_CASE("RFC 8906 3.2.5: an OPT size above 1232 is capped at 1232 (DNS flag day 2020)") {
  for (uint16_t size : {uint16_t(1233), uint16_t(4096), uint16_t(65535)}) {
    CAPTURE(size);
    auto big = exchange(with_opt(query(too_big, type::a), opt().size(size)));
    CHECK(big.b.size() <= 1232);
    CHECK(big.tc());
    CHECK(big.has_opt());
    CHECK(big.opt_size == 1232);
  }
}
