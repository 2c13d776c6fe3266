#include "common/open_files.h"

#include <errno.h>
#include <string.h>

#include "absl/strings/str_cat.h"

namespace mfgate {

absl::StatusOr<rlim_t> RaiseOpenFileLimit(absl::string_view program,
                                          rlim_t needed) {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(
        absl::StrCat("getrlimit(RLIMIT_NOFILE): ", strerror(errno)));
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    // Refused only where the kernel's own ceiling (fs.nr_open) is below the
    // hard limit: keep the soft limit then, and judge it below.
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    return absl::FailedPreconditionError(absl::StrCat(
        program, " needs at least ", needed, " open files, but its limit is ",
        limit.rlim_cur, " (hard limit ",
        limit.rlim_max == RLIM_INFINITY ? std::string("unlimited")
                                        : absl::StrCat(limit.rlim_max),
        "): raise it (ulimit -n, systemd's LimitNOFILE=, a container's "
        "nofile ulimit)"));
  }
  return limit.rlim_cur;
}

}  // namespace mfgate
