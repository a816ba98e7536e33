// Each zone's IXFR journal kept in the state directory (<state-dir>/journal/<origin>.ixfr), so
// that a secondary still behind after a restart gets the difference, not the whole zone.
//
// Design: one append-only file per zone in xfr/journal_codec.hpp's format. A step is appended
// and fsync'd by the build that made it (on the build thread, off the DNS loops), before its
// version is published. A file holding clearly more than the in-memory journal keeps (more
// steps dropped than kept) is compacted: rewritten with the kept steps through a temporary
// file and rename(2). A whole build starts every journal afresh and removes the files; only
// the first build after a start may resume a file (`resume`). Errors are values: a file that
// cannot be written is logged once and the zone is served anyway (a restart then costs its
// secondaries an AXFR); the next step tries to rewrite the file whole.
//
// Not thread-safe: every call comes from the builds, which the pipeline runs one at a time.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "control/transfer_source.hpp"
#include "wire/name.hpp"
#include "xfr/ixfr.hpp"

namespace sipdns::control {

class journal_store {
 public:
  // `state_dir` empty keeps nothing (every call does nothing).
  explicit journal_store(const std::string& state_dir)
      : dir_(state_dir.empty() ? std::string() : state_dir + "/journal") {}

  // The file of `origin` (which need not exist): the origin's text, lower-case, without the
  // final dot, every byte but [a-z0-9.-] as %XX; the root zone is "_root".
  std::string path_of(const wire::name& origin) const;

  // At start-up, for a zone served at the serial (and the answers) it had when the server
  // stopped: the steps of its file, bounded like journal_with, when they chain and end at
  // `serial`; else null, the file removed and a log line saying why. A damaged tail is
  // logged ("journal for ZONE: torn step at byte N ignored") and cut off; the steps before
  // it still count.
  std::shared_ptr<const journal> resume(const wire::name& origin, uint32_t serial,
                                        std::string& log);
  // A whole build: `origin`'s journal starts empty, its file goes. `why`, when not empty, is
  // logged if a file was there ("serial changed at start").
  void reset(const wire::name& origin, const std::string& why, std::string& log);
  // `step` was appended to the in-memory journal, which is now `kept`: append it to the
  // file, or rewrite the file with `kept` (compaction, or a file that failed before).
  void append(const wire::name& origin, const xfr::ixfr_step& step, const journal& kept,
              std::string& log);

 private:
  struct file_state {
    bool exists = false;  // with a header and `steps` whole steps, nothing after
    bool broken = false;  // the last write failed (logged): rewrite before appending again
    size_t steps = 0;
  };
  bool rewrite(const wire::name& origin, const journal& kept, std::string& err);
  bool append_bytes(const wire::name& origin, const xfr::ixfr_step& step, std::string& err);
  // Records a failure: logged only when the zone's file was not already broken.
  void failed(const wire::name& origin, const std::string& err, std::string& log);
  bool ensure_dir(std::string& err);

  std::string dir_;
  bool dir_ready_ = false;
  std::map<wire::name, file_state> files_;
};

}  // namespace sipdns::control
