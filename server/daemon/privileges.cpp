// Dropping root after start-up (see privileges.hpp).
#include "daemon/privileges.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace sipdns::daemon {
namespace {

bool failed(std::string& err, const std::string& what) {
  err = what + ": " + std::strerror(errno);
  return false;
}

// Effective and permitted capabilities of the calling thread are empty. glibc has no wrapper
// for capget and libcap is not a dependency: the raw system call, version 3 (64 bits).
bool no_capabilities(std::string& err) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, data) != 0) return failed(err, "capget");
  for (const auto& d : data)
    if (d.effective != 0 || d.permitted != 0) {
      err = "capabilities left after the drop";
      return false;
    }
  return true;
}

bool is_user(const run_as& user) {
  uid_t r = 0, e = 0, s = 0;
  gid_t rg = 0, eg = 0, sg = 0;
  return ::getresuid(&r, &e, &s) == 0 && r == user.uid && e == user.uid && s == user.uid &&
         ::getresgid(&rg, &eg, &sg) == 0 && rg == user.gid && eg == user.gid && sg == user.gid;
}

}  // namespace

std::optional<run_as> find_user(std::string_view name, std::string& err) {
  const std::string n(name);
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  errno = 0;
  int r = ::getpwnam_r(n.c_str(), &entry, buf.data(), buf.size(), &found);
  if (found == nullptr) {
    err = "no user \"" + n + "\"";
    if (r != 0) err += std::string(" (") + std::strerror(r) + ")";
    return std::nullopt;
  }
  if (entry.pw_uid == 0) {
    err = "\"" + n + "\" is root (uid 0): name an unprivileged user";
    return std::nullopt;
  }
  return run_as{n, entry.pw_uid, entry.pw_gid};
}

bool hand_over(const run_as& user, const std::string& state_dir, const std::string& control,
               std::string& err) {
  namespace fs = std::filesystem;
  struct stat st{};
  if (!state_dir.empty() && ::stat(state_dir.c_str(), &st) == 0) {
    if (::chown(state_dir.c_str(), user.uid, user.gid) != 0) return failed(err, state_dir);
    std::error_code ec;
    // Symbolic links are changed themselves (lchown), never followed out of the directory.
    for (fs::recursive_directory_iterator it(state_dir, ec), end; !ec && it != end;
         it.increment(ec))
      if (::lchown(it->path().c_str(), user.uid, user.gid) != 0)
        return failed(err, it->path().string());
    if (ec) return err = state_dir + ": " + ec.message(), false;
  }
  if (control.empty()) return true;
  // 0660, not 0600: an operator in the user's group may run `sipdns`; root always may.
  if (::chown(control.c_str(), user.uid, user.gid) != 0 || ::chmod(control.c_str(), 0660) != 0)
    return failed(err, control);
  return true;
}

bool drop_to(const run_as& user, std::string& err) {
  // Capabilities must not survive the change of user (the default, made sure of).
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return failed(err, "prctl(PR_SET_KEEPCAPS)");
  // glibc applies setgroups, setgid and setuid to every thread of the process.
  if (::initgroups(user.name.c_str(), user.gid) != 0) return failed(err, "initgroups");
  if (::setgid(user.gid) != 0) return failed(err, "setgid");
  if (::setuid(user.uid) != 0) return failed(err, "setuid");
  // setuid from root to a non-root user has cleared the permitted, effective and ambient sets
  // (capabilities(7)); clearing the ambient set again costs nothing and needs no privilege.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return failed(err, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  if (!is_user(user)) {
    err = "user and group ids are not all " + user.name + "'s after the drop";
    return false;
  }
  if (::setuid(0) == 0) {
    err = "root could be regained after the drop";
    return false;
  }
  return no_capabilities(err);
}

}  // namespace sipdns::daemon
