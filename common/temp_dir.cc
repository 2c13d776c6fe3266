#include "common/temp_dir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace mfgate {
namespace {

int RemoveEntry(const char* path, const struct stat*, int type, FTW*) {
  // FTW_DEPTH: a directory comes after its contents.
  if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT) {
    return errno;
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TempDir>> TempDir::Create(
    absl::string_view prefix, absl::string_view parent) {
  std::string base(parent);
  if (base.empty()) {
    const char* tmpdir = getenv("TMPDIR");
    base = tmpdir != nullptr && tmpdir[0] == '/' ? tmpdir : "/tmp";
  }
  std::string pattern = absl::StrCat(base, "/", prefix, "XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp ", pattern, ": ", strerror(errno)));
  }
  return std::unique_ptr<TempDir>(new TempDir(std::move(pattern)));
}

TempDir::~TempDir() {
  if (absl::Status removed = RemoveTree(path_); !removed.ok()) {
    LogWarning(removed.message());
  }
}

absl::Status RemoveTree(const std::string& path) {
  // FTW_PHYS: links are removed, never followed; FTW_MOUNT: stay on one
  // file system.
  const int rc =
      nftw(path.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (rc == 0 || (rc < 0 && errno == ENOENT)) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("cannot remove ", path, ": ",
                                          strerror(rc > 0 ? rc : errno)));
}

}  // namespace mfgate
