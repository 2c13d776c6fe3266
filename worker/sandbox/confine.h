// The layers of the engine's confinement, each applied to the calling
// process and inherited by everything it executes afterwards.
//
// mfgate-sandbox calls them in order — ConfineWithMountNamespace (only
// without Landlock), DropCapabilities, ForbidNewPrivileges,
// RestrictFileSystemAndNetwork (Landlock), ApplySyscallFilter, ApplyLimits —
// then executes the engine. None can be undone by the confined process.
// Thread-safety: call from a single-threaded process (they act on the whole
// process only when no other thread exists).
#ifndef MFGATE_WORKER_SANDBOX_CONFINE_H_
#define MFGATE_WORKER_SANDBOX_CONFINE_H_

#include "absl/status/status.h"
#include "worker/sandbox/policy.h"

namespace mfgate::sandbox {

// Empties every capability set and the bounding set: a root engine keeps its
// uid but loses what makes root powerful (overriding permissions, ptrace of
// others, mounts, raw sockets, ...).
absl::Status DropCapabilities();

// setrlimit for each of `limits`.
absl::Status ApplyLimits(const Limits& limits);

// PR_SET_NO_NEW_PRIVS: execve can never grant privileges again (setuid bits,
// file capabilities). Landlock and seccomp need it.
absl::Status ForbidNewPrivileges();

// Landlock: the file system only as `policy` lists it, TCP bind never and TCP
// connect only to the policy's ports, no signals or abstract unix sockets
// outside the sandbox. Returns UnavailableError when the kernel has no
// Landlock (the caller decides whether that is fatal).
absl::Status RestrictFileSystemAndNetwork(const Policy& policy);

// Where the kernel has no Landlock (or Policy::file_system says so): a
// private mount namespace whose root holds only the policy's paths (read and
// exec paths read-only, write paths writable). Must run before
// DropCapabilities (a root caller needs CAP_SYS_ADMIN; others get a user
// namespace). UnavailableError when namespaces are not allowed.
absl::Status ConfineWithMountNamespace(const Policy& policy);

// The version of Landlock the kernel offers; 0 when none.
int LandlockAbiVersion();

// seccomp: calls a query engine never needs fail with EPERM (ptrace, mount,
// bpf, kexec, modules, namespaces, keyrings, ...); with Network::kNone every
// socket but a unix one fails with EACCES.
absl::Status ApplySyscallFilter(Network network);

}  // namespace mfgate::sandbox

#endif  // MFGATE_WORKER_SANDBOX_CONFINE_H_
