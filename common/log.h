// Minimal leveled logging to stderr, one line per event.
//
// Both binaries keep stdout for protocol data (the gateway's stdio transport
// writes MCP messages there), so every log line goes to stderr. Lines are
// written with a single write(2), so concurrent lines never interleave.
// Thread-safe.
#ifndef MFGATE_COMMON_LOG_H_
#define MFGATE_COMMON_LOG_H_

#include "absl/strings/string_view.h"

namespace mfgate {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Sets the name printed on each line (e.g. "mfgate", "mfgate-worker").
void SetLogProgramName(absl::string_view name);
// Lines below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warning" or "error"; false if unknown.
bool ParseLogLevel(absl::string_view text, LogLevel* level);

void Log(LogLevel level, absl::string_view message);
inline void LogDebug(absl::string_view m) { Log(LogLevel::kDebug, m); }
inline void LogInfo(absl::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(absl::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogError(absl::string_view m) { Log(LogLevel::kError, m); }

}  // namespace mfgate

#endif  // MFGATE_COMMON_LOG_H_
