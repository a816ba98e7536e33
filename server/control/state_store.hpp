// What an operator decided and what endpoints and secondaries saw, kept across restarts in a
// state directory (--state-dir): the drains, and each zone's last served SOA serial with the
// fingerprint of the answers it stood for, so that a restart neither puts a drained peer back
// nor sends a serial backwards.
//
// Design: two small text files, rewritten whole on each change through a temporary file and
// rename(2), so a crash leaves the old or the new file, never half of one. Errors are values:
// a state directory that cannot be read or written is reported and the server keeps serving.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace sipdns::control {

// Replaces `path` with `bytes` so that a crash leaves the old or the new file, never half of
// one: written to `path`.tmp, fsync'd, renamed over `path`. False with `err` (the temporary
// file is removed).
// Writes all of `bytes` to `fd` (retrying short writes and EINTR); false with errno set.
bool write_all(int fd, std::string_view bytes);
bool write_file_atomic(const std::string& path, std::string_view bytes, std::string& err);

struct served_serial {
  uint32_t serial = 0;
  uint64_t fingerprint = 0;
};

class state_store {
 public:
  // An empty `dir` keeps nothing (every call succeeds and loads nothing).
  explicit state_store(std::string dir) : dir_(std::move(dir)) {}

  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }

  // Creates the directory if needed and reads both files (missing files are empty state).
  // Returns false with `err` when the directory or a file cannot be used.
  bool load(std::set<std::string>& drains, std::map<std::string, served_serial>& serials,
            std::string& err) const;
  bool save_drains(const std::set<std::string>& drains, std::string& err) const;
  bool save_serials(const std::map<std::string, served_serial>& serials, std::string& err) const;

 private:
  std::string dir_;
};

}  // namespace sipdns::control
