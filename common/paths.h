// Small file-system path helpers shared by both binaries (finding files
// relative to the running executable). Stateless; safe from any thread.
#ifndef MFGATE_COMMON_PATHS_H_
#define MFGATE_COMMON_PATHS_H_

#include <string>
#include <vector>

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

}  // namespace mfgate

#endif  // MFGATE_COMMON_PATHS_H_
