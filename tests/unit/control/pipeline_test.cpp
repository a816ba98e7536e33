// control::pipeline with its hooks driven by hand: a manual clock for the settle timer, a
// job queue for off-loop builds, loops that acknowledge when the test says so.
#include "control/pipeline.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace sipdns;

namespace {

struct harness {
  uint64_t now = 0;
  std::vector<std::pair<uint64_t, std::function<void()>>> timers;  // (due, fn)
  std::vector<std::pair<std::function<void()>, std::function<void()>>> jobs;
  std::vector<bool> builds;            // `reload` of each build started
  std::vector<uint64_t> published;     // generations, in order
  std::vector<uint64_t> released;      // generations
  std::vector<std::weak_ptr<const compile::snapshot>> all;
  std::string logged;
  bool fail_next = false;
  std::vector<control::zone_change> next_changes;
  control::pipeline p;

  explicit harness(size_t loops)
      : p([this](bool reload, std::string& log) { return build(reload, log); }, hooks(), loops,
          2) {}

  control::built build(bool reload, std::string& log) {
    builds.push_back(reload);
    if (std::exchange(fail_next, false)) {
      log += "bad zone\n";
      return {};
    }
    control::built b{std::make_shared<compile::snapshot>(), reload, std::move(next_changes)};
    all.push_back(b.snap);
    return b;
  }

  control::pipeline::hooks hooks() {
    control::pipeline::hooks h;
    h.after = [this](uint64_t ms, std::function<void()> fn) { timers.emplace_back(now + ms, fn); };
    h.off_loop = [this](std::function<void()> job, std::function<void()> done) {
      jobs.emplace_back(std::move(job), std::move(done));
      return true;
    };
    h.publish = [this](compile::snapshot_ptr s) { published.push_back(s->generation); };
    h.release = [this](std::vector<compile::snapshot_ptr> v) {
      for (auto& s : v) released.push_back(s->generation);
    };
    h.published = [](uint64_t, bool, uint64_t) {};
    h.log = [this](const std::string& s) { logged += s; };
    return h;
  }

  void advance(uint64_t ms) {
    now += ms;
    for (size_t i = 0; i < timers.size();)
      if (timers[i].first <= now) {
        auto fn = std::move(timers[i].second);
        timers.erase(timers.begin() + long(i));
        fn();
      } else {
        ++i;
      }
  }
  // The off-loop side runs the oldest job, then the loop its completion.
  bool finish_build() {
    if (jobs.empty()) return false;
    auto [job, done] = std::move(jobs.front());
    jobs.erase(jobs.begin());
    job();
    done();
    return true;
  }
};

}  // namespace

TEST_CASE("health changes gather for the settle time, then make one build") {
  harness h(1);
  std::string log;
  REQUIRE(h.p.first(log));
  CHECK(h.p.generation() == 1);
  h.p.health_changed();
  h.advance(1);
  h.p.health_changed();
  h.p.health_changed();
  CHECK(h.jobs.empty());  // still settling
  h.advance(1);
  REQUIRE(h.jobs.size() == 1);
  REQUIRE(h.finish_build());
  CHECK(h.published == std::vector<uint64_t>{2});
  CHECK(h.builds == std::vector<bool>{true, false});  // start-up, then one health build
  h.advance(10);
  CHECK(h.jobs.empty());  // nothing left over
}

TEST_CASE("drains and reloads start at once; what arrives during a build runs right after") {
  harness h(1);
  std::string log;
  REQUIRE(h.p.first(log));
  h.p.drains_changed();
  REQUIRE(h.jobs.size() == 1);  // no settle for an operator's command
  h.p.health_changed();
  h.p.reload();
  h.p.health_changed();
  CHECK(h.jobs.size() == 1);  // one build at a time
  REQUIRE(h.finish_build());
  // The reload and the health changes that came during the drain's build: one build, from
  // the files (a reload reads the current health too), started without settling.
  REQUIRE(h.jobs.size() == 1);
  REQUIRE(h.finish_build());
  CHECK(h.builds == std::vector<bool>{true, false, true});
  // A health change during a reload is not lost behind it.
  h.p.reload();
  h.p.health_changed();
  REQUIRE(h.finish_build());
  REQUIRE(h.finish_build());
  CHECK(h.builds == std::vector<bool>{true, false, true, true, false});
  CHECK(h.published == std::vector<uint64_t>{2, 3, 4, 5});
  CHECK_FALSE(h.finish_build());
}

TEST_CASE("a failed reload keeps the current version and says so") {
  harness h(1);
  std::string log;
  REQUIRE(h.p.first(log));
  h.fail_next = true;
  h.p.reload();
  REQUIRE(h.finish_build());
  CHECK(h.published.empty());
  CHECK(h.p.generation() == 1);
  CHECK(h.logged.find("bad zone") != std::string::npos);
  CHECK(h.logged.find("level=error event=reload_failed msg=\"still serving the previous zones\"") !=
        std::string::npos);
  h.p.drains_changed();
  REQUIRE(h.finish_build());
  CHECK(h.published == std::vector<uint64_t>{2});
}

TEST_CASE("a version is released once every loop has acknowledged a newer one") {
  harness h(2);
  std::string log;
  REQUIRE(h.p.first(log));
  h.p.drains_changed();
  REQUIRE(h.finish_build());  // generation 2
  CHECK(h.p.kept() == 2);
  h.p.acked(0, 2);
  CHECK(h.released.empty());  // loop 1 may still answer from generation 1
  h.p.acked(1, 2);
  CHECK(h.released == std::vector<uint64_t>{1});
  CHECK(h.p.kept() == 1);
  h.p.drains_changed();
  REQUIRE(h.finish_build());  // 3
  h.p.drains_changed();
  REQUIRE(h.finish_build());  // 4
  h.p.acked(1, 4);
  h.p.acked(0, 3);
  CHECK(h.released == std::vector<uint64_t>{1, 2});
  h.p.acked(0, 4);
  CHECK(h.released == std::vector<uint64_t>{1, 2, 3});
  // Released means freed: only the harness's release list held them.
  CHECK(h.all[0].expired());
  CHECK(h.all[2].expired());
  CHECK_FALSE(h.all[3].expired());  // generation 4 is in service
  h.p.acked(7, 9);                  // an unknown loop changes nothing
  CHECK(h.p.kept() == 1);
}

TEST_CASE("each version records what it changed, until a whole build") {
  harness h(1);
  std::string log;
  REQUIRE(h.p.first(log));
  CHECK(h.p.changes_since(1)->empty());
  h.next_changes = {control::zone_change{0, {}, {zone::record{"\3foo\0", 1, 3, "abcd", {}}}}};
  h.p.health_changed();
  h.advance(2);
  REQUIRE(h.finish_build());
  h.next_changes = {control::zone_change{0, {zone::record{"\3foo\0", 1, 3, "abcd", {}}}, {}}};
  h.p.drains_changed();
  REQUIRE(h.finish_build());
  auto since = h.p.changes_since(1);
  REQUIRE(since);
  REQUIRE(since->size() == 2);
  CHECK((*since)[0].generation == 2);
  CHECK((*since)[0].changes[0].added.size() == 1);
  CHECK((*since)[1].changes[0].removed.size() == 1);
  CHECK(h.p.changes_since(2)->size() == 1);
  CHECK_FALSE(h.p.changes_since(0));  // before the start-up build: the whole zone
  CHECK_FALSE(h.p.changes_since(9));  // a generation never served
  h.p.reload();
  REQUIRE(h.finish_build());  // whole
  CHECK_FALSE(h.p.changes_since(2));
  CHECK(h.p.changes_since(4)->empty());
}

TEST_CASE("after stop nothing is built or published") {
  harness h(1);
  std::string log;
  REQUIRE(h.p.first(log));
  h.p.drains_changed();
  h.p.stop();
  REQUIRE(h.finish_build());  // the running build completes unseen
  CHECK(h.published.empty());
  h.p.reload();
  h.p.health_changed();
  h.advance(5);
  CHECK(h.jobs.empty());
}
