#include "worker/manifest/project_manifest.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "worker/manifest/index_builder.h"
#include "worker/manifest/manifest_model.h"

namespace mfgate::manifest {
namespace {

namespace fs = std::filesystem;

// mf_adapter.py's IGNORED_DIRS and the files it skips.
const std::set<std::string>& IgnoredDirs() {
  static const auto* dirs = new std::set<std::string>{
      "target", "logs", "dbt_packages", ".git", "__pycache__"};
  return *dirs;
}
constexpr const char* kIgnoredSuffixes[] = {".duckdb", ".duckdb.wal", ".log"};

// A file's mtime as Python's st_mtime computes it (a double).
absl::StatusOr<double> MtimeOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::UnavailableError(
        absl::StrCat("stat ", path, ": ", strerror(errno)));
  }
  return static_cast<double>(st.st_mtim.tv_sec) +
         static_cast<double>(st.st_mtim.tv_nsec) * 1e-9;
}

absl::StatusOr<double> NewestSourceMtime(const std::string& project) {
  double newest = 0;
  int files = 0;
  std::error_code error;
  fs::recursive_directory_iterator it(
      project, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    std::error_code kind_error;
    if (it->is_directory(kind_error) && !it->is_symlink(kind_error)) {
      if (IgnoredDirs().count(name) > 0) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(kind_error)) continue;  // A link to a directory.
    bool ignored = false;
    for (const char* suffix : kIgnoredSuffixes) {
      ignored |= absl::EndsWith(name, suffix);
    }
    if (ignored) continue;
    if (++files > kMaxSourceFiles) {
      return absl::ResourceExhaustedError(
          absl::StrCat("more than ", kMaxSourceFiles, " files in ", project));
    }
    absl::StatusOr<double> mtime = MtimeOf(it->path().string());
    if (!mtime.ok()) return mtime.status();
    newest = std::max(newest, *mtime);
  }
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("walking ", project, ": ", error.message()));
  }
  return newest;
}

absl::StatusOr<std::string> ReadBounded(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("open ", path, ": ", strerror(errno)));
  }
  std::string text;
  char buffer[1 << 16];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0 &&
         text.size() <= kMaxManifestBytes) {
    text.append(buffer, static_cast<size_t>(n));
  }
  const int read_errno = errno;
  close(fd);
  if (n < 0) {
    return absl::UnavailableError(
        absl::StrCat("read ", path, ": ", strerror(read_errno)));
  }
  if (text.size() > kMaxManifestBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": larger than ", kMaxManifestBytes, " bytes"));
  }
  return text;
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace

absl::StatusOr<ProjectIndex> ReadProjectIndex(const std::string& project_dir,
                                              const std::string& scratch_dir) {
  absl::StatusOr<double> newest = NewestSourceMtime(project_dir);
  if (!newest.ok()) return newest.status();
  std::vector<std::string> candidates = {project_dir +
                                         "/target/semantic_manifest.json"};
  if (!scratch_dir.empty()) {
    candidates.push_back(scratch_dir + "/dbt/target/semantic_manifest.json");
  }
  for (const std::string& path : candidates) {
    absl::StatusOr<double> mtime = MtimeOf(path);
    if (!mtime.ok() || *mtime < *newest) continue;
    absl::StatusOr<std::string> text = ReadBounded(path);
    if (!text.ok()) return text.status();
    absl::StatusOr<SemanticManifest> manifest = ParseSemanticManifest(*text);
    if (!manifest.ok()) {
      return absl::Status(
          manifest.status().code(),
          absl::StrCat(path, ": ", manifest.status().message()));
    }
    return ProjectIndex{path, Sha256Hex(*text), BuildSemanticIndex(*manifest)};
  }
  return absl::NotFoundError(absl::StrCat(
      "no semantic manifest of ", project_dir, " is newer than its sources"));
}

}  // namespace mfgate::manifest
