#include "worker/server/staged_host.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/paths.h"

namespace mfgate::server {
namespace {

// Bounds of what is copied: the host is a few scripts, the protobuf modules
// a few files, the launcher one small binary.
constexpr int kMaxDepth = 4;
constexpr size_t kMaxFiles = 256;
constexpr size_t kMaxFileBytes = 64 << 20;

constexpr int kRead = 4, kExecute = 1;

// `user`'s group and, for a user in the user database, its supplementary
// groups (at most NGROUPS_MAX).
std::vector<gid_t> GroupsOf(const UserIds& user) {
  int count = 64;
  std::vector<gid_t> groups(count);
  if (getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0) {
    groups.resize(std::min(count, 65536));
    count = static_cast<int>(groups.size());
    if (getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0) {
      count = 0;
    }
  }
  groups.resize(count);
  groups.push_back(user.gid);
  return groups;
}

bool Allows(const struct stat& st, const UserIds& user,
            const std::vector<gid_t>& groups, int wanted) {
  if (user.uid == 0) return true;
  int bits = st.st_mode & 7;
  if (st.st_uid == user.uid) {
    bits = (st.st_mode >> 6) & 7;
  } else if (std::find(groups.begin(), groups.end(), st.st_gid) !=
             groups.end()) {
    bits = (st.st_mode >> 3) & 7;
  }
  return (bits & wanted) == wanted;
}

// Whether `user` reads `dir` and everything below it (by real paths).
bool UserCanReadTree(const std::string& dir, const UserIds& user, int depth) {
  if (!UserCanRead(dir, user, /*execute=*/true)) return false;
  for (const std::string& name : ListDirectory(dir)) {
    const std::string path = absl::StrCat(dir, "/", name);
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return false;
    const bool readable =
        S_ISDIR(st.st_mode)
            ? depth < kMaxDepth && UserCanReadTree(path, user, depth + 1)
            : UserCanRead(path, user, /*execute=*/false);
    if (!readable) return false;
  }
  return true;
}

absl::Status Failed(const std::string& what, const std::string& path) {
  return absl::InternalError(absl::StrCat("staging the engine host: ", what,
                                          " ", path, ": ", strerror(errno)));
}

// Copies file `from` (links followed) to new file `to`, read-only for its
// owner-to-be (executable when `from` is), owned by `user`.
absl::Status CopyFile(const std::string& from, const std::string& to,
                      const UserIds& user) {
  struct stat st;
  if (stat(from.c_str(), &st) != 0) return Failed("stat", from);
  auto text = ReadFileUpTo(from, kMaxFileBytes);
  if (!text.ok()) return text.status();
  const mode_t mode = (st.st_mode & S_IXUSR) != 0 ? 0555 : 0444;
  const int fd = open(
      to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return Failed("create", to);
  size_t written = 0;
  while (written < text->size()) {
    const ssize_t n = write(fd, text->data() + written, text->size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return Failed("write", to);
    }
    written += static_cast<size_t>(n);
  }
  const bool owned = fchown(fd, user.uid, user.gid) == 0;
  if (close(fd) != 0 || !owned) return Failed("finish", to);
  return absl::OkStatus();
}

// Copies the tree `from` into new directory `to` (owned by `user`, so that
// the worker removes it after dropping privileges).
absl::Status CopyTree(const std::string& from, const std::string& to,
                      const UserIds& user, int depth, size_t* files) {
  if (mkdir(to.c_str(), 0755) != 0) return Failed("mkdir", to);
  if (chown(to.c_str(), user.uid, user.gid) != 0) return Failed("chown", to);
  for (const std::string& name : ListDirectory(from)) {
    const std::string source = absl::StrCat(from, "/", name);
    const std::string target = absl::StrCat(to, "/", name);
    struct stat st;
    if (stat(source.c_str(), &st) != 0) return Failed("stat", source);
    if (++*files > kMaxFiles) {
      return absl::ResourceExhaustedError(
          absl::StrCat("staging the engine host: more than ", kMaxFiles,
                       " files in ", from));
    }
    absl::Status copied;
    if (S_ISDIR(st.st_mode)) {
      if (depth >= kMaxDepth) continue;  // Nothing of the host lies deeper.
      copied = CopyTree(source, target, user, depth + 1, files);
    } else if (S_ISREG(st.st_mode)) {
      copied = CopyFile(source, target, user);
    }
    if (!copied.ok()) return copied;
  }
  return absl::OkStatus();
}

}  // namespace

bool UserCanRead(const std::string& path, const UserIds& user, bool execute) {
  const std::string real = RealPath(path);
  if (real.empty() || real[0] != '/') return false;
  const std::vector<gid_t> groups = GroupsOf(user);
  struct stat st;
  // Every directory above, from the root down.
  for (size_t slash = real.find('/', 1); slash != std::string::npos;
       slash = real.find('/', slash + 1)) {
    if (stat(real.substr(0, slash).c_str(), &st) != 0 ||
        !Allows(st, user, groups, kExecute)) {
      return false;
    }
  }
  if (stat(real.c_str(), &st) != 0) return false;
  const int wanted = kRead | (execute || S_ISDIR(st.st_mode) ? kExecute : 0);
  return Allows(st, user, groups, wanted);
}

absl::StatusOr<StagedHost> StageEngineHost(const engine::EngineHost& located,
                                           const UserIds& user) {
  StagedHost staged;
  staged.host = located;
  const std::string venv = Dirname(Dirname(located.python));
  if (!UserCanRead(located.python, user, /*execute=*/true) ||
      !UserCanRead(venv, user, /*execute=*/true)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the engine's Python environment ", venv, " cannot be read by ",
        user.name, ": pass --python with an interpreter it can run"));
  }
  const std::string host_dir = Dirname(located.script);
  const bool copy_host = !UserCanReadTree(host_dir, user, 0);
  const bool copy_proto = !UserCanReadTree(located.proto_path, user, 0);
  const bool copy_sandbox =
      !UserCanRead(located.sandbox, user, /*execute=*/true);
  if (!copy_host && !copy_proto && !copy_sandbox) return staged;

  auto dir = TempDir::Create("mfgate-host-");
  if (!dir.ok()) return dir.status();
  const std::string root = (*dir)->path();
  if (chmod(root.c_str(), 0755) != 0) return Failed("chmod", root);
  if (chown(root.c_str(), user.uid, user.gid) != 0) {
    return Failed("chown", root);
  }
  size_t files = 0;
  if (copy_host) {
    if (auto s = CopyTree(host_dir, root + "/host", user, 1, &files); !s.ok()) {
      return s;
    }
    staged.host.script =
        absl::StrCat(root, "/host", located.script.substr(host_dir.size()));
  }
  if (copy_proto) {
    if (auto s = CopyTree(located.proto_path, root + "/proto", user, 1, &files);
        !s.ok()) {
      return s;
    }
    staged.host.proto_path = root + "/proto";
  }
  if (copy_sandbox) {
    staged.host.sandbox = root + "/mfgate-sandbox";
    if (auto s = CopyFile(located.sandbox, staged.host.sandbox, user);
        !s.ok()) {
      return s;
    }
  }
  LogInfo(absl::StrCat("the engine host's files ", user.name,
                       " cannot read are copied to ", root));
  staged.copies = std::move(*dir);
  return staged;
}

}  // namespace mfgate::server
