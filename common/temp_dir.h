// TempDir: a private (0700) directory made with mkdtemp, removed with all it
// holds when the TempDir is destroyed.
//
// Whoever makes a scratch or socket directory owns it as a TempDir, so that
// every way out — a normal exit, a SIGTERM handled by unwinding, a start that
// fails half-way — removes it. Removal does not follow symbolic links (a
// child may leave some behind). Not thread-safe; one owner.
#ifndef MFGATE_COMMON_TEMP_DIR_H_
#define MFGATE_COMMON_TEMP_DIR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mfgate {

class TempDir {
 public:
  // Makes "<parent>/<prefix>XXXXXX" (parent: $TMPDIR, else /tmp, when
  // empty).
  static absl::StatusOr<std::unique_ptr<TempDir>> Create(
      absl::string_view prefix, absl::string_view parent = "");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  const std::string path_;
};

// Removes `path` and everything below it, never following symbolic links;
// a missing path is not an error.
absl::Status RemoveTree(const std::string& path);

}  // namespace mfgate

#endif  // MFGATE_COMMON_TEMP_DIR_H_
