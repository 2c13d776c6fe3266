#include "worker/server/privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mfgate::server {

absl::StatusOr<UserIds> LookupUser(const std::string& user) {
  UserIds ids;
  ids.name = user;
  std::vector<std::string> parts = absl::StrSplit(user, ':');
  uint32_t uid = 0, gid = 0;
  if (parts.size() <= 2 && absl::SimpleAtoi(parts[0], &uid)) {
    ids.uid = uid;
    ids.gid = uid;
    if (parts.size() == 2) {
      if (!absl::SimpleAtoi(parts[1], &gid)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--user: bad group id in '", user, "'"));
      }
      ids.gid = gid;
    }
    return ids;
  }
  std::vector<char> buffer(16384);
  passwd entry;
  passwd* found = nullptr;
  int rc =
      getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("--user: no user named '", user, "'"));
  }
  ids.uid = found->pw_uid;
  ids.gid = found->pw_gid;
  return ids;
}

absl::Status DropPrivileges(const UserIds& user) {
  auto fail = [](const char* what) {
    return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
  };
  // Changing credentials clears the parent-death signal: read it now and set
  // it again after, so that a worker tied to its gateway's life stays tied.
  int death_signal = 0;
  if (prctl(PR_GET_PDEATHSIG, &death_signal) != 0) return fail("prctl");
  const pid_t parent = getppid();
  // Empty the bounding set while root may still do so: no process the worker
  // starts (its engine above all) can ever hold a capability again.
  for (int cap = 0; cap <= 63; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL) break;
  }
  // initgroups reads the group database; a numeric user gets no extras.
  if (initgroups(user.name.c_str(), user.gid) != 0 &&
      setgroups(0, nullptr) != 0) {
    return fail("setgroups");
  }
  if (setresgid(user.gid, user.gid, user.gid) != 0) return fail("setresgid");
  if (setresuid(user.uid, user.uid, user.uid) != 0) return fail("setresuid");
  if (user.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
    return absl::InternalError("root could be regained after dropping it");
  }
  if (death_signal != 0) {
    if (prctl(PR_SET_PDEATHSIG, death_signal) != 0) return fail("prctl");
    // The parent may have gone while the signal was unset.
    if (getppid() != parent) {
      return absl::AbortedError(
          "the parent process exited while privileges were dropped");
    }
  }
  return absl::OkStatus();
}

}  // namespace mfgate::server
