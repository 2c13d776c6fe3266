// Becoming a less privileged user: the worker starts as root only to bind its
// listener, then drops to `--user` for good, before it starts its engine.
// Thread-safety: DropPrivileges changes the whole process (glibc applies the
// change to every thread); call it once, early.
#ifndef MFGATE_WORKER_SERVER_PRIVILEGES_H_
#define MFGATE_WORKER_SERVER_PRIVILEGES_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"

namespace mfgate::server {

struct UserIds {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The ids of `user`, a name from the user database or a numeric "UID[:GID]".
absl::StatusOr<UserIds> LookupUser(const std::string& user);

// Sets the supplementary groups to `user`'s, then gid and uid (real, effective
// and saved), and checks that root cannot be regained. A parent-death signal
// (PR_SET_PDEATHSIG), which the change of user clears, is set again.
absl::Status DropPrivileges(const UserIds& user);

}  // namespace mfgate::server

#endif  // MFGATE_WORKER_SERVER_PRIVILEGES_H_
