// The seccomp filter, built with libseccomp. A deny list: the engine is a
// large Python program whose exact system calls vary with its libraries, so
// an allow list would break on upgrades; the calls denied here are the ones
// that widen what a compromised engine can reach (the kernel's attack surface,
// other processes, namespaces, keyrings, and — for local warehouses — the
// network).
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/socket.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "worker/sandbox/confine.h"

namespace mfgate::sandbox {
namespace {

constexpr const char* kDenied[] = {
    // Other processes' memory and execution.
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    // The file-system tree and the machine.
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "swapon",
    "swapoff",
    "reboot",
    "sethostname",
    "setdomainname",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "acct",
    "quotactl",
    "syslog",
    "vhangup",
    "iopl",
    "ioperm",
    "open_by_handle_at",
    "name_to_handle_at",
    // The kernel itself.
    "bpf",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "perf_event_open",
    "userfaultfd",
    "lookup_dcookie",
    "fanotify_init",
    // Namespaces (clone's namespace flags are handled below).
    "unshare",
    "setns",
    // Keyrings.
    "add_key",
    "request_key",
    "keyctl",
    // io_uring performs I/O the seccomp filter never sees.
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
};

constexpr int kNamespaceFlags[] = {CLONE_NEWUSER,  CLONE_NEWNS,  CLONE_NEWNET,
                                   CLONE_NEWPID,   CLONE_NEWIPC, CLONE_NEWUTS,
                                   CLONE_NEWCGROUP};

struct ContextDeleter {
  void operator()(void* context) const { seccomp_release(context); }
};

}  // namespace

absl::Status ApplySyscallFilter(Network network) {
  std::unique_ptr<void, ContextDeleter> context(seccomp_init(SCMP_ACT_ALLOW));
  if (context == nullptr) return absl::InternalError("seccomp_init failed");
  void* ctx = context.get();
  auto add = [&](const char* name, uint32_t action, unsigned count,
                 const scmp_arg_cmp* args) -> absl::Status {
    int number = seccomp_syscall_resolve_name(name);
    if (number == __NR_SCMP_ERROR)
      return absl::OkStatus();  // Not on this arch.
    int rc = seccomp_rule_add_array(ctx, action, number, count, args);
    if (rc != 0) {
      return absl::InternalError(
          absl::StrCat("seccomp rule ", name, ": ", strerror(-rc)));
    }
    return absl::OkStatus();
  };
  for (const char* name : kDenied) {
    if (auto status = add(name, SCMP_ACT_ERRNO(EPERM), 0, nullptr);
        !status.ok())
      return status;
  }
  for (int flag : kNamespaceFlags) {
    scmp_arg_cmp arg =
        SCMP_A0(SCMP_CMP_MASKED_EQ, static_cast<scmp_datum_t>(flag),
                static_cast<scmp_datum_t>(flag));
    if (auto status = add("clone", SCMP_ACT_ERRNO(EPERM), 1, &arg);
        !status.ok())
      return status;
  }
  // clone3 passes its flags in memory a filter cannot read; ENOSYS makes the
  // C library fall back to clone, whose flags the rules above see.
  if (auto status = add("clone3", SCMP_ACT_ERRNO(ENOSYS), 0, nullptr);
      !status.ok()) {
    return status;
  }
  if (network == Network::kNone) {
    // The second datum is unused by SCMP_CMP_NE.
    scmp_arg_cmp not_unix = SCMP_A0(SCMP_CMP_NE, AF_UNIX, 0);
    for (const char* name : {"socket", "socketpair"}) {
      if (auto status = add(name, SCMP_ACT_ERRNO(EACCES), 1, &not_unix);
          !status.ok()) {
        return status;
      }
    }
  }
  if (int rc = seccomp_load(ctx); rc != 0) {
    return absl::InternalError(absl::StrCat("seccomp_load: ", strerror(-rc)));
  }
  return absl::OkStatus();
}

}  // namespace mfgate::sandbox
