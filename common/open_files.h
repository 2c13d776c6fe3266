// The process's open-file limit, raised to what the kernel allows.
//
// Container runtimes and service managers often start processes with a soft
// limit of 1024 below a much higher hard limit. A server that runs out of
// descriptors fails in ways far from the cause (a spawn that cannot map its
// pipes, a connection refused), so a binary raises its soft limit to its hard
// limit once at start and refuses to run, with a message that says how to fix
// it, when even that is too low. Not thread-safe: call once, early in main.
#ifndef MFGATE_COMMON_OPEN_FILES_H_
#define MFGATE_COMMON_OPEN_FILES_H_

#include <sys/resource.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mfgate {

// Raises RLIMIT_NOFILE's soft limit to its hard limit and returns the new
// soft limit; FailedPrecondition (naming both limits, `program` and
// `needed`) when fewer than `needed` descriptors are allowed.
absl::StatusOr<rlim_t> RaiseOpenFileLimit(absl::string_view program,
                                          rlim_t needed);

}  // namespace mfgate

#endif  // MFGATE_COMMON_OPEN_FILES_H_
