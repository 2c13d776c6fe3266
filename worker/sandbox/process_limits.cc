// Capabilities, resource limits and no_new_privs: the process-wide layers.
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "worker/sandbox/confine.h"

namespace mfgate::sandbox {

absl::Status DropCapabilities() {
  // The bounding set first: once a capability leaves it, no execve can bring
  // it back. EINVAL marks the end of the kernel's list.
  for (int cap = 0; cap <= 63; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;
      // Without CAP_SETPCAP (a non-root worker) the set is already empty of
      // anything that matters and cannot be changed.
      if (errno == EPERM) break;
      return absl::InternalError(
          absl::StrCat("PR_CAPBSET_DROP: ", strerror(errno)));
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
      errno != EINVAL) {
    return absl::InternalError(
        absl::StrCat("PR_CAP_AMBIENT_CLEAR_ALL: ", strerror(errno)));
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &header, data) != 0) {
    return absl::InternalError(absl::StrCat("capset: ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status ApplyLimits(const Limits& limits) {
  const struct {
    int resource;
    uint64_t value;
    const char* name;
  } table[] = {
      {RLIMIT_AS, limits.address_space_bytes, "RLIMIT_AS"},
      {RLIMIT_CPU, limits.cpu_seconds, "RLIMIT_CPU"},
      {RLIMIT_NOFILE, limits.open_files, "RLIMIT_NOFILE"},
      {RLIMIT_FSIZE, limits.file_size_bytes, "RLIMIT_FSIZE"},
      {RLIMIT_NPROC, limits.processes, "RLIMIT_NPROC"},
      {RLIMIT_CORE, 0, "RLIMIT_CORE"},  // A core dump would hold credentials.
  };
  for (const auto& row : table) {
    struct rlimit current;
    if (getrlimit(row.resource, &current) != 0) {
      return absl::InternalError(
          absl::StrCat("getrlimit ", row.name, ": ", strerror(errno)));
    }
    // Never raise a limit the worker itself runs under.
    rlim_t value = row.value;
    if (current.rlim_max != RLIM_INFINITY && value > current.rlim_max)
      value = current.rlim_max;
    struct rlimit wanted {
      value, value
    };
    if (setrlimit(row.resource, &wanted) != 0) {
      return absl::InternalError(
          absl::StrCat("setrlimit ", row.name, ": ", strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status ForbidNewPrivileges() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return absl::InternalError(
        absl::StrCat("PR_SET_NO_NEW_PRIVS: ", strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace mfgate::sandbox
