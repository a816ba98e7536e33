// sipdnsd --user NAME: bind and open everything as root, hand the files written later to NAME,
// then become NAME with no capability left, for good.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace sipdns::daemon {

// The account --user names, resolved when the flags are read: an unknown user is a usage
// error at start, not a surprise after the sockets are bound.
struct run_as {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;  // its primary group
};

// The account `name` from the password database; nullopt with `err` when there is none, or
// when it is root (uid 0: nothing would be dropped).
std::optional<run_as> find_user(std::string_view name, std::string& err);

// What `user` writes after the drop becomes theirs: `state_dir` with everything under it
// (drains, serials, journal/), and the control socket, owner `user`, group its primary group,
// mode 0660 (root and that group may connect). An empty path or a state directory that does
// not exist (start-up already warned it is not used) is skipped.
bool hand_over(const run_as& user, const std::string& state_dir, const std::string& control,
               std::string& err);

// Becomes `user` in every thread: supplementary groups, primary group, then user (each step
// needs the privilege the next one gives up), with every capability cleared; then checks that
// root cannot be regained. False with `err` on any failure: the caller must not serve.
bool drop_to(const run_as& user, std::string& err);

}  // namespace sipdns::daemon
