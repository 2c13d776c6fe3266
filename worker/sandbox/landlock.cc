// Landlock through its raw system calls: Debian 12's headers predate the
// network and scoping parts of the ABI, so the structures are declared here
// as the kernel documents them.
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "worker/sandbox/confine.h"

namespace mfgate::sandbox {
namespace {

struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;  // ABI 4.
  uint64_t scoped;              // ABI 6.
};
struct PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));
struct NetPortAttr {
  uint64_t allowed_access;
  uint64_t port;
};

constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;
constexpr uint64_t kNetBindTcp = 1ull << 0;
constexpr uint64_t kNetConnectTcp = 1ull << 1;
constexpr uint64_t kScopeAbstractUnixSocket = 1ull << 0;
constexpr uint64_t kScopeSignal = 1ull << 1;

// File-system rights by ABI version (each adds to the previous).
constexpr uint64_t kExecute = 1ull << 0, kWriteFile = 1ull << 1,
                   kReadFile = 1ull << 2, kReadDir = 1ull << 3,
                   kRemoveDir = 1ull << 4, kRemoveFile = 1ull << 5,
                   kMakeChar = 1ull << 6, kMakeDir = 1ull << 7,
                   kMakeReg = 1ull << 8, kMakeSock = 1ull << 9,
                   kMakeFifo = 1ull << 10, kMakeBlock = 1ull << 11,
                   kMakeSym = 1ull << 12, kRefer = 1ull << 13,
                   kTruncate = 1ull << 14, kIoctlDev = 1ull << 15;

// The rights of ABI 1: bits 0 to 12.
constexpr uint64_t kAbi1Rights = kExecute | kWriteFile | kReadFile | kReadDir |
                                 kRemoveDir | kRemoveFile | kMakeChar |
                                 kMakeDir | kMakeReg | kMakeSock | kMakeFifo |
                                 kMakeBlock | kMakeSym;
static_assert(kAbi1Rights == (1ull << 13) - 1);

uint64_t HandledFs(int abi) {
  uint64_t rights = kAbi1Rights;
  if (abi >= 2) rights |= kRefer;
  if (abi >= 3) rights |= kTruncate;
  if (abi >= 5) rights |= kIoctlDev;
  return rights;
}

// Rights that a rule on a regular file (not a directory) may carry.
constexpr uint64_t kFileRights =
    kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;

int CreateRuleset(const RulesetAttr* attr, size_t size, uint32_t flags) {
  return static_cast<int>(
      syscall(SYS_landlock_create_ruleset, attr, size, flags));
}

absl::Status AddPath(int ruleset, const std::string& path, uint64_t rights) {
  int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) {
    // A path that does not exist grants nothing; that is not an error.
    if (errno == ENOENT) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat("landlock: open ", path, ": ", strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) rights &= kFileRights;
  PathBeneathAttr rule{rights, fd};
  long result =
      syscall(SYS_landlock_add_rule, ruleset, kRulePathBeneath, &rule, 0);
  int saved = errno;
  close(fd);
  if (result != 0) {
    return absl::InternalError(
        absl::StrCat("landlock: rule for ", path, ": ", strerror(saved)));
  }
  return absl::OkStatus();
}

}  // namespace

int LandlockAbiVersion() {
  int abi = CreateRuleset(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : abi;
}

absl::Status RestrictFileSystemAndNetwork(const Policy& policy) {
  const int abi = LandlockAbiVersion();
  if (abi == 0) {
    return absl::UnavailableError("the kernel has no Landlock");
  }
  const uint64_t handled = HandledFs(abi);
  RulesetAttr attr{handled, 0, 0};
  size_t attr_size = sizeof(uint64_t);
  if (abi >= 4) {
    attr.handled_access_net = kNetBindTcp | kNetConnectTcp;
    attr_size = 2 * sizeof(uint64_t);
  }
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
    attr_size = sizeof(RulesetAttr);
  }
  int ruleset = CreateRuleset(&attr, attr_size, 0);
  if (ruleset < 0) {
    return absl::InternalError(
        absl::StrCat("landlock_create_ruleset: ", strerror(errno)));
  }
  const uint64_t read = kReadFile | kReadDir;
  const uint64_t write = handled & ~kExecute & ~kMakeChar & ~kMakeBlock;
  absl::Status status;
  for (const auto& path : policy.read_paths) {
    if (status.ok()) status = AddPath(ruleset, path, read);
  }
  for (const auto& path : policy.list_paths) {
    if (status.ok()) status = AddPath(ruleset, path, kReadDir);
  }
  for (const auto& path : policy.exec_paths) {
    if (status.ok()) status = AddPath(ruleset, path, read | kExecute);
  }
  for (const auto& path : policy.write_paths) {
    if (status.ok()) status = AddPath(ruleset, path, write);
  }
  if (abi >= 4 && policy.network == Network::kTcp) {
    for (uint16_t port : policy.tcp_connect_ports) {
      NetPortAttr rule{kNetConnectTcp, port};
      if (status.ok() && syscall(SYS_landlock_add_rule, ruleset, kRuleNetPort,
                                 &rule, 0) != 0) {
        status = absl::InternalError(absl::StrCat(
            "landlock: rule for TCP port ", port, ": ", strerror(errno)));
      }
    }
  }
  if (status.ok() && syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
    status = absl::InternalError(
        absl::StrCat("landlock_restrict_self: ", strerror(errno)));
  }
  close(ruleset);
  return status;
}

}  // namespace mfgate::sandbox
