// The file-system confinement for kernels without Landlock: a private mount
// namespace whose root holds only the policy's paths. Read and exec paths are
// bound read-only, write paths read-write, list paths are empty directories
// of the new root (with what other paths bind into them); anything else does
// not exist.
// Unlike Landlock it cannot tell reading from executing (a read-only bind
// still executes) and has no network rules; seccomp and the dropped
// capabilities still apply.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "worker/sandbox/confine.h"

namespace mfgate::sandbox {
namespace {

absl::Status Errno(absl::string_view what, const std::string& path = "") {
  return absl::InternalError(
      absl::StrCat(what, path.empty() ? "" : " ", path, ": ", strerror(errno)));
}

absl::Status WriteFile(const char* path, const std::string& text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open", path);
  bool ok =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok ? absl::OkStatus() : Errno("write", path);
}

// Creates `path` (and its parents) as a directory, or as an empty file when
// `file` is set.
absl::Status MakePath(const std::string& path, bool file) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    mkdir(path.substr(0, slash).c_str(), 0755);
  }
  if (file) {
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("create", path);
    close(fd);
  } else if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return Errno("mkdir", path);
  }
  return absl::OkStatus();
}

// The mount flags a read-only remount must keep (the kernel refuses to
// clear locked ones inside a user namespace).
unsigned long KeptFlags(const std::string& path) {
  struct statvfs info;
  if (statvfs(path.c_str(), &info) != 0) return 0;
  unsigned long flags = 0;
  if (info.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (info.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (info.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (info.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (info.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (info.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

// Enters a new mount namespace (and, when not root, a user namespace that
// maps only the caller's ids).
absl::Status EnterNamespace() {
  const uid_t uid = getuid();
  const gid_t gid = getgid();
  const bool root = geteuid() == 0;
  if (unshare(CLONE_NEWNS | (root ? 0 : CLONE_NEWUSER)) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a mount namespace: ", strerror(errno)));
  }
  if (!root) {
    if (auto s = WriteFile("/proc/self/setgroups", "deny"); !s.ok()) return s;
    if (auto s =
            WriteFile("/proc/self/uid_map", absl::StrCat(uid, " ", uid, " 1"));
        !s.ok()) {
      return s;
    }
    if (auto s =
            WriteFile("/proc/self/gid_map", absl::StrCat(gid, " ", gid, " 1"));
        !s.ok()) {
      return s;
    }
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return Errno("make / private");
  }
  return absl::OkStatus();
}

// Recreates the symbolic links at the top of the real root (a merged-/usr
// system's /lib, /lib64, /bin, /sbin) so that paths through them, such as
// the dynamic loader's, resolve to what the policy binds.
void MirrorTopLevelLinks(const std::string& root) {
  DIR* top = opendir("/");
  if (top == nullptr) return;
  while (dirent* entry = readdir(top)) {
    std::string path = absl::StrCat("/", entry->d_name);
    char target[4096];
    ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    // Best effort: a link that cannot be made leaves its paths missing.
    if (symlink(target, (root + path).c_str()) != 0) continue;
  }
  closedir(top);
}

// Builds the new root from the policy's paths and pivots into it.
absl::Status PivotToPolicyRoot(const Policy& policy) {
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) cwd[0] = '\0';
  char pattern[] = "/tmp/mfgate-root-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return Errno("mkdtemp", pattern);
  const std::string root = pattern;
  if (mount("mfgate-root", root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
            "mode=0755") != 0) {
    return Errno("mount tmpfs on", root);
  }
  MirrorTopLevelLinks(root);
  // Parents before children, so that a write path inside a read path is
  // bound over it.
  std::vector<std::pair<std::string, bool>> binds;  // Path, writable.
  for (const auto& path : policy.read_paths) binds.emplace_back(path, false);
  for (const auto& path : policy.exec_paths) binds.emplace_back(path, false);
  for (const auto& path : policy.write_paths) binds.emplace_back(path, true);
  std::stable_sort(binds.begin(), binds.end(), [](auto& a, auto& b) {
    return a.first.size() < b.first.size();
  });
  // A list path is a directory of the new root holding only what other
  // paths bind into it.
  for (const auto& path : policy.list_paths) {
    if (path.empty() || path[0] != '/') continue;
    if (auto s = MakePath(root + path, false); !s.ok()) return s;
  }
  for (const auto& [path, writable] : binds) {
    struct stat info;
    if (path.empty() || path[0] != '/' || lstat(path.c_str(), &info) != 0) {
      continue;  // Landlock skips missing paths too.
    }
    if (S_ISLNK(info.st_mode)) {
      // Through a link: bind what it names at its own path, unless that is
      // one of the mirrored top-level links.
      if (path.find('/', 1) == std::string::npos) continue;
      if (stat(path.c_str(), &info) != 0) continue;
    }
    const std::string target = root + path;
    struct stat existing;
    // A path inside one bound already has its mount point there.
    if (lstat(target.c_str(), &existing) != 0) {
      if (auto s = MakePath(target, !S_ISDIR(info.st_mode)); !s.ok()) return s;
    }
    if (mount(path.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC,
              nullptr) != 0) {
      return Errno("bind", path);
    }
    if (!writable && mount(nullptr, target.c_str(), nullptr,
                           MS_REMOUNT | MS_BIND | MS_RDONLY | KeptFlags(path),
                           nullptr) != 0) {
      return Errno("remount read-only", path);
    }
  }
  // The new root replaces the old one, which is then detached entirely.
  const std::string old_root = root + "/.old-root";
  if (mkdir(old_root.c_str(), 0700) != 0) return Errno("mkdir", old_root);
  if (syscall(SYS_pivot_root, root.c_str(), old_root.c_str()) != 0) {
    return Errno("pivot_root to", root);
  }
  if (chdir("/") != 0) return Errno("chdir /");
  rmdir(("/.old-root" + root).c_str());  // The mkdtemp directory, now empty.
  if (umount2("/.old-root", MNT_DETACH) != 0) return Errno("detach old root");
  rmdir("/.old-root");
  if (cwd[0] != '\0' && chdir(cwd) != 0 && chdir("/") != 0) {
    return Errno("chdir", cwd);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ConfineWithMountNamespace(const Policy& policy) {
  if (auto s = EnterNamespace(); !s.ok()) return s;
  // Mount points are created 0755 whatever the caller's umask; the engine
  // gets the caller's back.
  const mode_t umask_before = umask(022);
  absl::Status status = PivotToPolicyRoot(policy);
  umask(umask_before);
  return status;
}

}  // namespace mfgate::sandbox
