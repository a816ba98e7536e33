// Journal files in the state directory: resume at start-up, append per step, compact, reset.
#include "control/journal_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "control/state_store.hpp"
#include "log/log.hpp"
#include "xfr/journal_codec.hpp"

namespace sipdns::control {
namespace {

// Whole file; a missing one is empty. False with `err` on any other failure.
bool read_bytes(const std::string& path, std::string& out, std::string& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return true;
    err = path + ": " + std::strerror(errno);
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return err = path + ": read error", false;
  return true;
}

// Why `j` cannot serve IXFR up to `serial`, or empty when its steps chain and end there.
std::string chain_problem(const journal& j, uint32_t serial) {
  for (size_t i = 1; i < j.size(); ++i)
    if (j[i]->from != j[i - 1]->to)
      return "chain broken between serials " + std::to_string(j[i - 1]->to) + " and " +
             std::to_string(j[i]->from);
  if (j.back()->to != serial)
    return "it ends at serial " + std::to_string(j.back()->to) + ", serving " +
           std::to_string(serial);
  return {};
}

// Owns a file descriptor: closed when it goes out of scope.
struct fd_owner {
  int fd;
  ~fd_owner() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string journal_store::path_of(const wire::name& origin) const {
  std::string text = wire::name_to_text(origin), safe;
  if (!text.empty() && text.back() == '.') text.pop_back();
  for (char ch : text) {
    const unsigned char c =
        static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(ch)));
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-') {
      safe += char(c);
    } else {
      char esc[4];
      std::snprintf(esc, sizeof esc, "%%%02X", c);
      safe += esc;
    }
  }
  if (safe.empty()) safe = "_root";
  return dir_ + "/" + safe + ".ixfr";
}

std::shared_ptr<const journal> journal_store::resume(const wire::name& origin, uint32_t serial,
                                                     std::string& log) {
  if (dir_.empty()) return nullptr;
  const std::string zone = wire::name_to_text(origin);
  std::string bytes, err;
  if (!read_bytes(path_of(origin), bytes, err)) {
    reset(origin, "cannot be read: " + err, log);
    return nullptr;
  }
  files_[origin] = {};
  if (bytes.empty()) return nullptr;
  xfr::journal_contents c = xfr::read_journal(bytes, origin);
  if (!c.problem.empty())
    log::warning("journal_damaged")
        .kv("zone", zone)
        .kv("problem", c.problem)
        .kv("byte", c.intact)
        .kv("msg", "the rest of the file is ignored")
        .append_to(log);
  const size_t in_file = c.steps.size();
  std::shared_ptr<const journal> j;
  for (xfr::step_ptr& s : c.steps) j = journal_with(j, std::move(s));
  std::string why = j ? chain_problem(*j, serial) : "no whole step in it";
  if (!why.empty()) {
    reset(origin, why, log);
    return nullptr;
  }
  files_[origin] = {true, false, in_file};
  // What follows the intact steps would be appended after: cut it off now.
  if ((!c.problem.empty() || j->size() != in_file) && !rewrite(origin, *j, err))
    failed(origin, err, log);
  log::info("journal_resumed")
      .kv("zone", zone)
      .kv("steps", j->size())
      .kv("ixfr_from", j->front()->from)
      .append_to(log);
  return j;
}

void journal_store::reset(const wire::name& origin, const std::string& why, std::string& log) {
  if (dir_.empty()) return;
  const std::string path = path_of(origin);
  files_[origin] = {};
  if (::unlink(path.c_str()) == 0) {
    if (!why.empty())
      log::info("journal_dropped")
          .kv("zone", wire::name_to_text(origin))
          .kv("reason", why)
          .append_to(log);
  } else if (errno != ENOENT) {
    failed(origin, path + ": " + std::strerror(errno), log);
  }
}

void journal_store::append(const wire::name& origin, const xfr::ixfr_step& step,
                           const journal& kept, std::string& log) {
  if (dir_.empty()) return;
  file_state& f = files_[origin];
  // Compact once the file's dropped steps outnumber the kept ones: the file stays within
  // twice what the in-memory journal holds.
  const bool compact = f.steps + 1 > 2 * kept.size();
  std::string err;
  const bool ok = !f.exists || f.broken || compact ? rewrite(origin, kept, err)
                                                   : append_bytes(origin, step, err);
  if (!ok) return failed(origin, err, log);
  if (f.broken) log::info("journal_saved").kv("zone", wire::name_to_text(origin)).append_to(log);
  f.broken = false;
}

bool journal_store::rewrite(const wire::name& origin, const journal& kept, std::string& err) {
  if (!ensure_dir(err)) return false;
  std::string bytes = xfr::journal_header(origin);
  for (const xfr::step_ptr& s : kept) bytes += xfr::journal_step_bytes(*s);
  if (!write_file_atomic(path_of(origin), bytes, err)) return false;
  file_state& f = files_[origin];
  f.exists = true;
  f.steps = kept.size();
  return true;
}

bool journal_store::append_bytes(const wire::name& origin, const xfr::ixfr_step& step,
                                 std::string& err) {
  const std::string path = path_of(origin);
  fd_owner file{::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC)};
  // Whole steps or nothing durable: the step is on disk before its version is served.
  if (file.fd < 0 || !write_all(file.fd, xfr::journal_step_bytes(step)) || ::fsync(file.fd) < 0)
    return err = path + ": " + std::strerror(errno), false;
  files_[origin].steps += 1;
  return true;
}

void journal_store::failed(const wire::name& origin, const std::string& err, std::string& log) {
  file_state& f = files_[origin];
  if (!f.broken)
    log::warning("journal_not_saved")
        .kv("zone", wire::name_to_text(origin))
        .kv("error", err)
        .kv("msg", "after a restart its secondaries get AXFR")
        .append_to(log);
  f.broken = true;
  f.exists = false;
}

bool journal_store::ensure_dir(std::string& err) {
  if (dir_ready_) return true;
  if (::mkdir(dir_.c_str(), 0700) < 0 && errno != EEXIST)
    return err = dir_ + ": " + std::strerror(errno), false;
  dir_ready_ = true;
  return true;
}

}  // namespace sipdns::control
