// control::journal_store and xfr/journal_codec on real files in a temporary directory: steps
// written are read back equal, a torn or damaged tail loses only itself (and is reported),
// compaction keeps the newest steps, a missing file is an empty journal, a journal that does
// not reach the served serial is dropped, and a file that cannot be written is logged once.
#include "control/journal_store.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "xfr/journal_codec.hpp"

using namespace sipdns;
namespace fs = std::filesystem;

namespace {

const wire::name origin("\2jt\4test\0", 9);

zone::record a_record(uint32_t i) {
  std::string host = "h";
  host += std::to_string(i);
  zone::record r;
  r.owner.push_back(char(host.size()));
  r.owner += host;
  r.owner += origin;
  r.type = 1;
  r.ttl = 60 + i;
  r.rdata = std::string{char(192), 0, 2, char(i & 0xff)};
  return r;
}

// Step `from` -> `from + 1`: removes host `from`, adds host `from + 1`.
xfr::step_ptr make_step(uint32_t from) {
  auto s = std::make_shared<xfr::ixfr_step>();
  s->from = from;
  s->to = from + 1;
  s->removed = {a_record(from)};
  s->added = {a_record(from + 1), a_record(from + 1000)};
  return s;
}

bool same_steps(const xfr::ixfr_step& a, const xfr::ixfr_step& b) {
  auto same = [](const std::vector<zone::record>& x, const std::vector<zone::record>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].owner != y[i].owner || x[i].type != y[i].type || x[i].ttl != y[i].ttl ||
          x[i].rdata != y[i].rdata)
        return false;
    return true;
  };
  return a.from == b.from && a.to == b.to && same(a.removed, b.removed) && same(a.added, b.added);
}

struct state_dir {
  fs::path dir;
  state_dir() {
    std::string t = (fs::temp_directory_path() / "sipdns-journal-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    dir = t;
  }
  ~state_dir() { fs::remove_all(dir); }
};

// `n` steps from serial 1, through a store as the runtime drives it; returns the kept journal.
std::shared_ptr<const control::journal> write_steps(control::journal_store& store, uint32_t n) {
  std::string log;
  store.reset(origin, {}, log);
  std::shared_ptr<const control::journal> j;
  for (uint32_t i = 1; i <= n; ++i) {
    xfr::step_ptr s = make_step(i);
    j = control::journal_with(j, s);
    store.append(origin, *s, *j, log);
  }
  CHECK(log.empty());
  return j;
}

}  // namespace

TEST_CASE("steps written are read back equal; a missing file is an empty journal") {
  state_dir d;
  control::journal_store store(d.dir.string());
  std::string log;
  CHECK(store.resume(origin, 1, log) == nullptr);
  CHECK(log.empty());
  auto written = write_steps(store, 3);
  CHECK(store.path_of(origin) == (d.dir / "journal" / "jt.test.ixfr").string());

  control::journal_store restarted(d.dir.string());
  auto read = restarted.resume(origin, 4, log);
  REQUIRE(read);
  REQUIRE(read->size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK(same_steps(*(*read)[i], *(*written)[i]));
  CHECK(log.find("event=journal_resumed zone=jt.test. steps=3 ixfr_from=1\n") != std::string::npos);
}

TEST_CASE("a torn tail or a flipped byte loses only the damaged steps, and says where") {
  state_dir d;
  control::journal_store store(d.dir.string());
  write_steps(store, 3);
  const std::string path = store.path_of(origin);
  const auto full = fs::file_size(path);
  const auto step = xfr::journal_step_bytes(*make_step(3)).size();

  SUBCASE("truncated in the middle of the last step") {
    fs::resize_file(path, full - 5);
    std::string log;
    auto j = control::journal_store(d.dir.string()).resume(origin, 3, log);
    REQUIRE(j);
    CHECK(j->size() == 2);
    CHECK(log.find("problem=\"torn step\" byte=" + std::to_string(full - step) + " ") !=
          std::string::npos);
    CHECK(fs::file_size(path) == full - step);  // cut off: later steps append after step 2
  }
  SUBCASE("a byte flipped in the second step") {
    {
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(std::streamoff(full - step - 3));
      f.put('\x55');
    }
    std::string log;
    auto j = control::journal_store(d.dir.string()).resume(origin, 2, log);
    REQUIRE(j);
    CHECK(j->size() == 1);
    CHECK(log.find("problem=\"checksum mismatch\" byte=" + std::to_string(full - 2 * step) + " ") !=
          std::string::npos);
  }
  SUBCASE("a journal that no longer reaches the served serial is dropped with its file") {
    fs::resize_file(path, full - 1);
    std::string log;
    CHECK(control::journal_store(d.dir.string()).resume(origin, 4, log) == nullptr);
    CHECK(log.find("event=journal_dropped zone=") != std::string::npos);
    CHECK(log.find(" reason=\"it ends at serial 3, serving 4\"") != std::string::npos);
    CHECK_FALSE(fs::exists(path));
  }
}

TEST_CASE("compaction keeps the newest steps and bounds the file") {
  state_dir d;
  control::journal_store store(d.dir.string());
  // Past twice the bound, so the file has been compacted once and appended to since.
  const uint32_t n = 2 * uint32_t(control::journal_max_steps) + 44;
  auto kept = write_steps(store, n);
  REQUIRE(kept->size() == control::journal_max_steps);
  const auto step = xfr::journal_step_bytes(*make_step(n)).size();  // the largest
  CHECK(fs::file_size(store.path_of(origin)) <= 2 * control::journal_max_steps * step + 64);
  std::string log;
  auto j = control::journal_store(d.dir.string()).resume(origin, n + 1, log);
  REQUIRE(j);
  REQUIRE(j->size() == kept->size());
  CHECK(j->front()->from == n + 1 - control::journal_max_steps);
  CHECK(same_steps(*j->back(), *make_step(n)));
  // Resuming bounds the steps like journal_with and rewrites the file to hold just those.
  CHECK(fs::file_size(store.path_of(origin)) < (control::journal_max_steps + 1) * step);
}

TEST_CASE("a whole build resets the file; a chain with a gap is dropped") {
  state_dir d;
  control::journal_store store(d.dir.string());
  write_steps(store, 2);
  std::string log;
  store.reset(origin, "serial changed at start", log);
  CHECK(log.find("event=journal_dropped zone=jt.test. reason=\"serial changed at start") != std::string::npos);
  CHECK_FALSE(fs::exists(store.path_of(origin)));

  std::shared_ptr<const control::journal> j;
  for (uint32_t from : {1u, 5u}) {
    j = control::journal_with(j, make_step(from));
    store.append(origin, *j->back(), *j, log);
  }
  log.clear();
  CHECK(control::journal_store(d.dir.string()).resume(origin, 6, log) == nullptr);
  CHECK(log.find("chain broken between serials 2 and 5") != std::string::npos);
}

TEST_CASE("journal bytes of another zone, or not a journal at all, read as no steps") {
  const std::string bytes = xfr::journal_header(origin) + xfr::journal_step_bytes(*make_step(1));
  CHECK(xfr::read_journal(bytes, origin).steps.size() == 1);
  CHECK(xfr::read_journal(bytes, wire::name("\0", 1)).problem == "journal of another zone");
  CHECK(xfr::read_journal("SDJ", origin).problem == "not a journal file");
  CHECK(xfr::read_journal("", origin).problem.empty());
  // No cut-off step reads as a step.
  for (size_t n = 0; n < bytes.size(); ++n)
    CHECK(xfr::read_journal(bytes.substr(0, n), origin).steps.empty());
}

TEST_CASE("a journal that cannot be written is logged once per zone") {
  control::journal_store store("/proc/sipdns-no-such-dir");
  std::string log;
  auto j = control::journal_with(nullptr, make_step(1));
  store.append(origin, *j->back(), *j, log);
  j = control::journal_with(j, make_step(2));
  store.append(origin, *j->back(), *j, log);
  CHECK(log.find("event=journal_not_saved zone=jt.test. ") != std::string::npos);
  CHECK(log.find("journal_not_saved") == log.rfind("journal_not_saved"));
}
