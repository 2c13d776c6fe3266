// Small file-system helpers shared by both binaries: paths, finding files
// relative to the running executable, and bounded whole-file reads.
// Stateless; safe from any thread.
#ifndef MFGATE_COMMON_PATHS_H_
#define MFGATE_COMMON_PATHS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mfgate {

// `path` with symbolic links and dot segments resolved; `path` itself when it
// cannot be resolved (e.g. it does not exist).
std::string RealPath(const std::string& path);

// Everything before the last '/': "/a/b" -> "/a", "/a" -> "/", "a" -> ".".
std::string Dirname(const std::string& path);

// The names in directory `dir` (without "." and ".."); empty when it cannot
// be read.
std::vector<std::string> ListDirectory(const std::string& dir);

// The directory of this process's executable, symbolic links resolved.
std::string ExecutableDir();

// The whole of file `path`, read without ever holding more than
// `max_bytes` + 1 bytes of it: NotFound when it cannot be opened,
// OutOfRange when it holds more than `max_bytes`. Callers word their own
// messages from the code; the status message names the path.
absl::StatusOr<std::string> ReadFileUpTo(const std::string& path,
                                         size_t max_bytes);

}  // namespace mfgate

#endif  // MFGATE_COMMON_PATHS_H_
