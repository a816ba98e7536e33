// control::runtime on a zone file the test writes and rewrites: the SOA serial moves only
// when the served data changes and never goes back, drains survive rebuilds and reloads, a
// reload that fails (to load or to compile) keeps the old snapshot, zone set and serial, and
// the counters behind `sipdns status` move as documented. Every answer is read back through
// answer::respond and parsed with ldns, as a client would see it.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>

#include "answer/answer.hpp"
#include "control/runtime.hpp"
#include "support/ldns_support.hpp"

using namespace sipdns;
namespace fs = std::filesystem;

namespace {

// A zone with one cluster of two peers (no health checks: the runtime gets no prober).
std::string zone_text(uint32_t serial, const std::string& www = "192.0.2.1",
                      const std::string& extra_records = "",
                      const std::string& second_peer = "lab2") {
  return "[zone]\n"
         "origin = \"rt.test\"\n"
         "ttl = 3600\n"
         "soa = { mname = \"ns1\", rname = \"hostmaster\", serial = " + std::to_string(serial) +
         " }\n"
         "ns = [\"ns1\"]\n"
         "records = [\n"
         "  \"ns1 A 127.0.0.1\",\n"
         "  \"www A " + www + "\",\n" + extra_records +
         "]\n"
         "\n"
         "[[cluster]]\n"
         "name = \"registrar\"\n"
         "services = [\"sip+tcp\"]\n"
         "peers = [\n"
         "  { host = \"lab1\", ipv4 = \"192.0.2.10\" },\n"
         "  { host = \"" + second_peer + "\", ipv4 = \"192.0.2.11\" },\n"
         "]\n";
}

// 4,093 A records at one name fit one message; a CNAME in front of them does not, which only
// shows when the answers are compiled (the file itself loads).
std::string too_big_records() {
  std::string r = "  \"alias CNAME big\",\n";
  for (int i = 0; i < 4093; ++i)
    r += "  \"big A 10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "\",\n";
  return r;
}

struct fixture {
  fs::path dir;
  bool owns_dir;
  fs::path file;
  control::runtime rt;
  compile::snapshot_ptr serving;  // what the server would be answering with
  std::string log;

  // A server on a fresh zone directory, or (a restart) on `zone_dir` as it is; with a state
  // directory when `state` is set.
  explicit fixture(const fs::path& state = {}, const fs::path& zone_dir = {})
      : dir(zone_dir.empty() ? make_dir() : zone_dir),
        owns_dir(zone_dir.empty()),
        file(dir / "rt.test.toml"),
        rt({dir.string()}, nullptr, state.string()) {
    if (owns_dir) write(zone_text(100));
    std::string err;
    REQUIRE_MESSAGE(rt.restore(err), err);
    REQUIRE(build());
  }
  ~fixture() {
    if (owns_dir) fs::remove_all(dir);
  }

  static fs::path make_dir() {
    std::string t = (fs::temp_directory_path() / "sipdns-runtime-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    return t;
  }
  void write(const std::string& text) { std::ofstream(file) << text; }

  // One build as the pipeline runs it: a new snapshot is published, a failure keeps the old.
  bool build() {
    log.clear();
    compile::snapshot_ptr s = rt.build(log).snap;
    if (!s) return false;
    serving = std::move(s);
    rt.published();
    return true;
  }
  bool reload() {
    rt.request_reload();
    return build();
  }

  std::vector<std::string> answer(const std::string& name, ldns_rr_type type) {
    std::array<uint8_t, 65535> out{};
    answer::loop_state state;
    size_t n = answer::respond(*serving, test::make_query(name, type, 4096), out,
                               answer::transport::tcp, state);
    REQUIRE(n > 0);
    test::pkt_ptr p = test::parse_packet(out.data(), n);
    REQUIRE(p);
    return test::section(ldns_pkt_answer(p.get()));
  }
  uint32_t serial() {
    std::array<uint8_t, 65535> out{};
    answer::loop_state state;
    size_t n = answer::respond(*serving, test::make_query("rt.test.", LDNS_RR_TYPE_SOA), out,
                               answer::transport::udp, state);
    REQUIRE(n > 0);
    test::pkt_ptr p = test::parse_packet(out.data(), n);
    REQUIRE(p);
    REQUIRE(ldns_rr_list_rr_count(ldns_pkt_answer(p.get())) == 1);
    return ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p.get()), 0), 2));
  }
  bool a_has(const std::string& name, const std::string& addr) {
    for (const std::string& rr : answer(name, LDNS_RR_TYPE_A))
      if (rr.ends_with("\t" + addr)) return true;
    return false;
  }
};

}  // namespace

TEST_CASE("start-up: generation 1, no reload counted, the file's serial") {
  fixture f;
  auto c = f.rt.counts();
  CHECK(c.generation == 1);
  CHECK(c.reloads_ok == 0);
  CHECK(c.reloads_failed == 0);
  CHECK(f.serial() == 100);
  CHECK(f.a_has("registrar.rt.test.", "192.0.2.10"));
  auto lines = f.rt.status_lines();
  // The historic lines first, as scripts read them; the richer lines after them.
  REQUIRE(lines.size() > 4);
  CHECK(lines[0] == "no health checks configured, nothing drained");
  CHECK(lines[1] == "reloads: ok 0 failed 0");
  CHECK(lines[2] == "generation: 1");
  CHECK(lines[3] == "zone rt.test. serial 100 journal 0");
  CHECK(lines[4].starts_with("loaded zone rt.test. serial 100 at 20"));
}

// The typed status: the zone as served, the cluster's names with what they answer now
// (derived by the build), a drain with its time, and the drain in the transitions.
TEST_CASE("status: zones, cluster answers, drains with their time, transitions") {
  fixture f;
  const int64_t before = control::wall_clock_ms();
  control::status s = f.rt.status_now();
  REQUIRE(s.zones.size() == 1);
  CHECK(s.zones[0].origin == "rt.test.");
  CHECK(s.zones[0].serial == 100);
  CHECK(s.zones[0].records > 0);
  CHECK(s.zones[0].loaded_ms > 0);
  CHECK(s.zones[0].loaded_ms <= before);
  REQUIRE(s.clusters.size() == 1);
  const control::status::cluster_info& c = s.clusters[0];
  CHECK(c.zone == "rt.test.");
  CHECK(c.name == "registrar.rt.test.");
  CHECK(c.srv_names == std::vector<std::string>{"_sip._tcp.rt.test."});
  REQUIRE(c.answers.size() == 2);  // A at the name, SRV at the one service
  CHECK(c.answers[0].type == "A");
  CHECK(c.answers[0].data == std::vector<std::string>{"192.0.2.10", "192.0.2.11"});
  CHECK(c.answers[1].name == "_sip._tcp.rt.test.");
  CHECK(c.answers[1].data ==
        std::vector<std::string>{"10 10 5060 lab1.rt.test.", "10 10 5060 lab2.rt.test."});
  REQUIRE(c.peers.size() == 2);
  REQUIRE(c.peers[0].services.size() == 1);
  CHECK(c.peers[0].services[0].state == "unchecked");
  CHECK_FALSE(c.peers[0].services[0].drained);
  CHECK(s.transitions.empty());

  REQUIRE(f.rt.drain("lab1.rt.test", true).starts_with("ok: "));
  REQUIRE(f.build());
  s = f.rt.status_now();
  CHECK(s.zones[0].serial == 101);
  const control::status::cluster_info& d = s.clusters[0];
  CHECK(d.answers[0].data == std::vector<std::string>{"192.0.2.11"});  // as answer() gives
  CHECK_FALSE(f.a_has("registrar.rt.test.", "192.0.2.10"));
  CHECK(d.answers[1].data == std::vector<std::string>{"10 10 5060 lab2.rt.test."});
  CHECK(d.peers[0].services[0].drained);
  CHECK(d.peers[0].services[0].drained_since_ms >= before);
  CHECK_FALSE(d.peers[1].services[0].drained);
  REQUIRE(s.transitions.size() == 1);
  CHECK(s.transitions[0].peer == "lab1.rt.test.");
  CHECK(s.transitions[0].service == "*");
  CHECK(s.transitions[0].to == "drained");
  std::vector<std::string> lines = control::status_lines(s);
  CHECK(std::count(lines.begin(), lines.end(), "answers registrar.rt.test. A 192.0.2.11") == 1);

  // A reload with an edit: the answers follow the file, the load time moves.
  f.write(zone_text(200, "192.0.2.1", "", "lab3"));
  REQUIRE(f.reload());
  s = f.rt.status_now();
  CHECK(s.zones[0].serial == 200);
  CHECK(s.clusters[0].answers[1].data == std::vector<std::string>{"10 10 5060 lab3.rt.test."});
  CHECK(s.zones[0].loaded_ms >= before);
}

TEST_CASE("the serial moves only when answers change, and never back") {
  fixture f;
  REQUIRE(f.build());  // a rebuild with nothing changed
  CHECK(f.serial() == 100);
  REQUIRE(f.reload());  // the same file again
  CHECK(f.serial() == 100);
  CHECK(f.rt.counts().reloads_ok == 1);

  CHECK(f.rt.drain("lab1.rt.test", true).starts_with("ok: "));
  REQUIRE(f.build());
  CHECK(f.serial() == 101);
  CHECK_FALSE(f.a_has("registrar.rt.test.", "192.0.2.10"));
  CHECK(f.rt.drain("lab1.rt.test", false).starts_with("ok: "));
  REQUIRE(f.build());
  CHECK(f.serial() == 102);  // the answers are those of serial 100 again, the serial is not
  CHECK(f.a_has("registrar.rt.test.", "192.0.2.10"));

  f.write(zone_text(100, "192.0.2.2"));  // an edit that forgot the serial
  REQUIRE(f.reload());
  CHECK(f.serial() == 103);
  CHECK(f.log.find("event=zone_changed zone=rt.test. serial=103\n") != std::string::npos);
  f.write(zone_text(500, "192.0.2.2"));  // the file's serial jumps ahead: it wins
  REQUIRE(f.reload());
  CHECK(f.serial() == 500);
  f.write(zone_text(50, "192.0.2.3"));  // lower in the file, and changed: still up by one
  REQUIRE(f.reload());
  CHECK(f.serial() == 501);
  CHECK(f.rt.counts().reloads_ok == 4);
  CHECK(f.rt.counts().generation == 8);
}

TEST_CASE("drains survive rebuilds and reloads, and only known hosts drain") {
  fixture f;
  CHECK(f.rt.drain("LAB1.rt.test.", true) == "ok: drained lab1.rt.test.");
  CHECK(f.rt.drain("nosuch.rt.test", true).starts_with("error: "));
  REQUIRE(f.build());
  CHECK_FALSE(f.a_has("registrar.rt.test.", "192.0.2.10"));
  CHECK(f.a_has("lab1.rt.test.", "192.0.2.10"));  // its own name still resolves
  REQUIRE(f.reload());
  CHECK_FALSE(f.a_has("registrar.rt.test.", "192.0.2.10"));
  f.write(zone_text(100, "192.0.2.9"));
  REQUIRE(f.reload());
  CHECK_FALSE(f.a_has("registrar.rt.test.", "192.0.2.10"));
  CHECK(f.a_has("registrar.rt.test.", "192.0.2.11"));
  auto lines = f.rt.status_lines();
  CHECK(lines.front() == "drained lab1.rt.test.");
  CHECK(f.rt.drain("lab1.rt.test", false) == "ok: undrained lab1.rt.test.");
  CHECK(f.rt.drain("lab1.rt.test", false).starts_with("error: "));
}

TEST_CASE("a reload that does not load keeps the old snapshot, zone set and serial") {
  fixture f;
  f.write(zone_text(200, "192.0.2.2") + "\n[[this is not toml\n");
  CHECK_FALSE(f.reload());
  CHECK(f.log.find("rt.test.toml:") != std::string::npos);  // located diagnostic
  CHECK(f.rt.counts().reloads_failed == 1);
  CHECK(f.rt.counts().reloads_ok == 0);
  CHECK(f.rt.counts().generation == 1);
  CHECK(f.a_has("www.rt.test.", "192.0.2.1"));
  // Later rebuilds (a drain, a health change) still start from the old zone set.
  CHECK(f.rt.drain("lab1.rt.test", true).starts_with("ok: "));
  REQUIRE(f.build());
  CHECK(f.serial() == 101);
  CHECK(f.a_has("www.rt.test.", "192.0.2.1"));
}

TEST_CASE("a reload that loads but does not compile changes nothing") {
  fixture f;
  // Loads (each RRset fits), renames lab2 to lab9, but one answer is too big to compile.
  f.write(zone_text(300, "192.0.2.2", too_big_records(), "lab9"));
  CHECK_FALSE(f.reload());
  CHECK(f.log.find("would take") != std::string::npos);
  CHECK(f.rt.counts().reloads_failed == 1);
  CHECK(f.rt.counts().generation == 1);
  // The zone set is still the old one: lab2 is known, lab9 is not, and a rebuild works.
  CHECK(f.rt.drain("lab9.rt.test", true).starts_with("error: "));
  CHECK(f.rt.drain("lab2.rt.test", true).starts_with("ok: "));
  REQUIRE(f.build());
  CHECK(f.serial() == 101);  // one change (the drain) since serial 100, not the file's 300
  CHECK(f.a_has("www.rt.test.", "192.0.2.1"));
  CHECK_FALSE(f.a_has("registrar.rt.test.", "192.0.2.11"));

  f.write(zone_text(300, "192.0.2.2"));  // fixed
  REQUIRE(f.reload());
  CHECK(f.serial() == 300);
  CHECK(f.a_has("www.rt.test.", "192.0.2.2"));
  CHECK(f.rt.counts().reloads_ok == 1);
  CHECK(f.rt.counts().reloads_failed == 1);
}

TEST_CASE("published() logs reloads with their number and generation, nothing otherwise") {
  control::runtime rt({"zones/uctest.local.toml"}, nullptr);
  std::string log;
  REQUIRE(rt.build(log).snap);
  CHECK(rt.published().empty());  // start-up
  REQUIRE(rt.build(log).snap);
  CHECK(rt.published().empty());  // a rebuild without reload
  rt.request_reload();
  REQUIRE(rt.build(log).snap);
  CHECK(rt.published().ends_with(" level=info event=reloaded zones=1 reload=1 generation=3\n"));
}

TEST_CASE("a state directory: drains and served serials survive a restart, serials never go back") {
  const fs::path state = fixture::make_dir() / "state";  // created by restore()
  fs::path zones;
  uint32_t served = 0;
  {
    fixture f(state);
    zones = f.dir;
    f.owns_dir = false;  // the restarts below use the same files
    CHECK(f.rt.drain("lab1.rt.test", true).starts_with("ok: drained lab1.rt.test."));
    REQUIRE(f.build());
    CHECK_FALSE(f.a_has("registrar.rt.test.", "192.0.2.10"));
    served = f.serial();
    CHECK(served == 101);  // the drain changed the answers
  }
  {
    // Restarted on the same files and state: still drained, and the serial is the one last
    // served (the file still says 100), not back to 100 nor bumped again.
    fixture f(state, zones);
    f.owns_dir = false;
    CHECK_FALSE(f.a_has("registrar.rt.test.", "192.0.2.10"));
    CHECK(f.a_has("registrar.rt.test.", "192.0.2.11"));
    CHECK(f.serial() == served);
    CHECK(f.rt.drain("lab1.rt.test", false).starts_with("ok: undrained"));
  }
  {
    // Undrained before the restart: back, and the changed answers take the next serial.
    fixture f(state, zones);
    f.owns_dir = true;  // the last one removes the zone files
    CHECK(f.a_has("registrar.rt.test.", "192.0.2.10"));
    CHECK(f.serial() == served + 1);
  }
  fs::remove_all(state.parent_path());
}

namespace {
// The IXFR journal of rt.test as the last version would serve it.
size_t journal_size(const control::runtime& rt) {
  auto src = rt.transfer_view();
  REQUIRE(src);
  return src->journals.empty() || !src->journals[0] ? 0 : src->journals[0]->size();
}
}  // namespace

TEST_CASE("the journal survives a restart only when the serial and answers did not move") {
  const fs::path state = fixture::make_dir() / "state";
  const fs::path file = state / "journal" / "rt.test.ixfr";
  fs::path zones;
  {
    fixture f(state);
    zones = f.dir;
    f.owns_dir = false;
    CHECK(f.rt.drain("lab1.rt.test", true).starts_with("ok:"));
    REQUIRE(f.build());
    CHECK(f.rt.drain("lab1.rt.test", false).starts_with("ok:"));
    REQUIRE(f.build());
    CHECK(journal_size(f.rt) == 2);
    CHECK(fs::exists(file));
  }
  {
    // Same files, same drains: serial 102 as before, and IXFR from 100 still reaches it.
    fixture f(state, zones);
    f.owns_dir = false;
    CHECK(f.serial() == 102);
    CHECK(journal_size(f.rt) == 2);
    CHECK(f.log.find("event=journal_resumed zone=rt.test. steps=2 ixfr_from=100") !=
          std::string::npos);
    // Drained while stopped (no build): the next start serves other answers.
    CHECK(f.rt.drain("lab1.rt.test", true).starts_with("ok:"));
  }
  {
    fixture f(state, zones);
    f.owns_dir = true;
    CHECK(f.serial() == 103);
    CHECK(journal_size(f.rt) == 0);
    CHECK(f.log.find("event=journal_dropped zone=rt.test. reason=\"serial changed at start") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(file));
    CHECK(f.rt.drain("lab1.rt.test", false).starts_with("ok:"));
    REQUIRE(f.build());
    CHECK(journal_size(f.rt) == 1);
    CHECK(fs::exists(file));
    // A reload of the same file changes nothing: the journal goes on as it was.
    REQUIRE(f.reload());
    CHECK(journal_size(f.rt) == 1);
    // An edited file is one step more: www's old address out, the new one and a name in.
    f.write(zone_text(100, "192.0.2.99", "  \"new A 192.0.2.7\",\n"));
    REQUIRE(f.reload());
    CHECK(f.serial() == 105);
    REQUIRE(journal_size(f.rt) == 2);
    const xfr::ixfr_step& step = *f.rt.transfer_view()->journals[0]->back();
    CHECK(step.from == 104);
    CHECK(step.to == 105);
    REQUIRE(step.removed.size() == 1);
    CHECK(step.removed[0].rdata == std::string("\xc0\x00\x02\x01", 4));
    REQUIRE(step.added.size() == 2);
    CHECK(fs::exists(file));
  }
  fs::remove_all(state.parent_path());
}

TEST_CASE("drain one service of a peer: out of that service's SRV and the round-robin only") {
  fixture f;
  f.write(zone_text(100).replace(zone_text(100).find("services = [\"sip+tcp\"]"),
                                 std::string("services = [\"sip+tcp\"]").size(),
                                 "services = [\"sip+tcp\", \"sip+udp\"]"));
  REQUIRE(f.reload());
  CHECK(f.rt.drain("lab1.rt.test", true, "sip+udp") == "ok: drained lab1.rt.test. sip+udp");
  REQUIRE(f.build());
  auto has_lab1 = [&](const std::string& name) {
    for (const std::string& rr : f.answer(name, LDNS_RR_TYPE_SRV))
      if (rr.ends_with(" lab1.rt.test.")) return true;
    return false;
  };
  CHECK(has_lab1("_sip._tcp.rt.test."));
  CHECK_FALSE(has_lab1("_sip._udp.rt.test."));
  CHECK_FALSE(f.a_has("registrar.rt.test.", "192.0.2.10"));
  bool listed = false;
  for (const std::string& l : f.rt.status_lines()) listed |= l == "drained lab1.rt.test. sip+udp";
  CHECK(listed);
  CHECK(f.rt.drain("lab1.rt.test", true, "sip+tls").starts_with("error: unknown service"));
  CHECK(f.rt.drain("lab1.rt.test", false, "sip+udp") == "ok: undrained lab1.rt.test. sip+udp");
  REQUIRE(f.build());
  CHECK(has_lab1("_sip._udp.rt.test."));
  CHECK(f.a_has("registrar.rt.test.", "192.0.2.10"));
}

namespace {
std::string simple_zone(const std::string& origin, const std::string& records) {
  return "[zone]\norigin = \"" + origin + "\"\nttl = 3600\n"
         "soa = { mname = \"ns1\", rname = \"hostmaster\", serial = 7 }\nns = [\"ns1\"]\n"
         "records = [\n  \"ns1 A 127.0.0.1\",\n" + records + "]\n";
}
}  // namespace

TEST_CASE("a zone that serves its file's records as they are is transferred without deriving") {
  fixture f;
  std::ofstream(f.dir / "plain.test.toml")
      << simple_zone("plain.test", "  \"www A 192.0.2.1\",\n  \"www A 192.0.2.2\",\n");
  // One RRset with two TTLs: served with the smaller (RFC 2181 5.2), if the loader left it.
  std::ofstream(f.dir / "ttls.test.toml")
      << simple_zone("ttls.test", "  \"www 60 A 192.0.2.1\",\n  \"www 300 A 192.0.2.2\",\n");
  // Gets rt.test's peers' PTR records.
  std::ofstream(f.dir / "2.0.192.in-addr.arpa.toml") << simple_zone("2.0.192.in-addr.arpa", "");
  REQUIRE(f.reload());
  auto src = f.rt.transfer_view();
  REQUIRE(src);
  REQUIRE(src->plain);
  std::map<std::string, bool> plain;
  for (size_t z = 0; z < src->set->zones.size(); ++z)
    plain[wire::name_to_text(src->set->zones[z].origin)] = (*src->plain)[z];
  CHECK(plain["plain.test."]);
  CHECK_FALSE(plain["rt.test."]);
  CHECK_FALSE(plain["2.0.192.in-addr.arpa."]);
  // Every plain zone's transfer is byte for byte what deriving every zone gives.
  auto derived = std::make_shared<control::transfer_source>(*src);
  derived->plain = nullptr;
  for (const std::string zone : {"plain.test.", "ttls.test."}) {
    CAPTURE(zone);
    auto q = test::make_query(zone, LDNS_RR_TYPE_AXFR);
    const size_t question_end = q.size();
    const wire::name origin = test::wire_name(zone);
    auto fast = control::transfer_messages(*src, q, question_end, origin, wire::rr_type::axfr);
    auto slow = control::transfer_messages(*derived, q, question_end, origin, wire::rr_type::axfr);
    CHECK(fast.kind == "AXFR");
    CHECK(fast.messages == slow.messages);
    if (zone == "plain.test.") CHECK(wire::get16(fast.messages.at(0).data() + 6) == 6);
  }
}
