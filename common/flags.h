// Command-line conventions shared by mfgate and mfgate-worker.
//
// Abseil flags are declared with underscores (`project_dir`); users type
// dashes (`--project-dir`), as mcp-metricflow's and dbt's tools do. Both
// spellings are accepted. Not thread-safe: call once at the start of main.
#ifndef MFGATE_COMMON_FLAGS_H_
#define MFGATE_COMMON_FLAGS_H_

#include <string>
#include <vector>

namespace mfgate {

// Rewrites `--some-flag[=value]` to `--some_flag[=value]` in place (values
// untouched); stops at a bare `--`. Returns storage that must outlive argv.
std::vector<std::string> NormalizeFlagDashes(int argc, char** argv);

}  // namespace mfgate

#endif  // MFGATE_COMMON_FLAGS_H_
