// The state directory: drains and served serials, written atomically (temporary file + rename).
#include "control/state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sipdns::control {
namespace {

constexpr const char* drains_file = "drains";
constexpr const char* serials_file = "serials";

std::string path_of(const std::string& dir, const char* name) { return dir + "/" + name; }

// Whole file as text; a missing file is empty. False with `err` on any other failure.
bool read_text(const std::string& path, std::string& out, std::string& err) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return true;
    err = path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

}  // namespace

bool state_store::load(std::set<std::string>& drains, std::map<std::string, served_serial>& serials,
                       std::string& err) const {
  if (dir_.empty()) return true;
  if (::mkdir(dir_.c_str(), 0700) < 0 && errno != EEXIST) {
    err = dir_ + ": " + std::strerror(errno);
    return false;
  }
  std::string text;
  if (!read_text(path_of(dir_, drains_file), text, err)) return false;
  std::istringstream d(text);
  for (std::string line; std::getline(d, line);)
    if (!line.empty() && line[0] != '#') drains.insert(line);
  text.clear();
  if (!read_text(path_of(dir_, serials_file), text, err)) return false;
  std::istringstream s(text);
  for (std::string line; std::getline(s, line);) {
    if (line.empty() || line[0] == '#') continue;
    char origin[300];
    uint32_t serial = 0;
    uint64_t fp = 0;
    if (std::sscanf(line.c_str(), "%299s %" SCNu32 " %" SCNx64, origin, &serial, &fp) != 3) {
      err = path_of(dir_, serials_file) + ": cannot read line \"" + line + "\"";
      return false;
    }
    serials[origin] = {serial, fp};
  }
  return true;
}

bool state_store::save_drains(const std::set<std::string>& drains, std::string& err) const {
  if (dir_.empty()) return true;
  std::string text = "# drained peers (host, or host and service), one per line\n";
  for (const std::string& d : drains) text += d + "\n";
  return write_file_atomic(path_of(dir_, drains_file), text, err);
}

bool state_store::save_serials(const std::map<std::string, served_serial>& serials,
                               std::string& err) const {
  if (dir_.empty()) return true;
  std::string text = "# zone origin, last served SOA serial, fingerprint of its answers\n";
  char line[400];
  for (const auto& [origin, s] : serials) {
    std::snprintf(line, sizeof line, "%s %" PRIu32 " %016" PRIx64 "\n", origin.c_str(), s.serial,
                  s.fingerprint);
    text += line;
  }
  return write_file_atomic(path_of(dir_, serials_file), text, err);
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    bytes.remove_prefix(size_t(n));
  }
  return true;
}

bool write_file_atomic(const std::string& path, std::string_view bytes, std::string& err) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0;
  if (ok) ok = write_all(fd, bytes);
  if (ok) ok = ::fsync(fd) == 0;  // the data before the rename makes it visible
  if (fd >= 0 && ::close(fd) < 0) ok = false;
  if (ok) ok = ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) {
    err = path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
  }
  return ok;
}

}  // namespace sipdns::control
