// Leveled logging to stderr, one line per event, as text or JSON.
//
// Both binaries keep stdout for protocol data (the gateway's stdio transport
// writes MCP messages there), so every log line goes to stderr. Lines are
// written with a single write(2), so concurrent lines never interleave, and
// each passes common/redact.h's RedactSecrets first: no credential reaches a
// log, whoever wrote the line.
// Thread-safe.
#ifndef MFGATE_COMMON_LOG_H_
#define MFGATE_COMMON_LOG_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace mfgate {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Sets the name printed on each line (e.g. "mfgate", "mfgate-worker").
void SetLogProgramName(absl::string_view name);
// Lines below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warning" or "error"; false if unknown.
bool ParseLogLevel(absl::string_view text, LogLevel* level);

// kText: "2026-11-24T18:00:00.123Z mfgate INFO message".
// kJson: one JSON object per line: {"ts", "level", "program", "msg"} (and
// an event's fields), for log collectors.
enum class LogFormat { kText, kJson };
void SetLogFormat(LogFormat format);
LogFormat CurrentLogFormat();
// Parses "text" or "json"; false if unknown.
bool ParseLogFormat(absl::string_view text, LogFormat* format);

void Log(LogLevel level, absl::string_view message);
// A structured event, e.g. the audit line of a tool call: in JSON its fields
// sit beside "event" at the top level; in text they follow as key=value.
void LogEvent(LogLevel level, absl::string_view event,
              const nlohmann::json& fields);
// Writes `line`, a log line another mfgate process already formatted (a
// spawned worker's), as it is (redacted like every line).
void LogRaw(absl::string_view line);
// The message of `line` when it is an error line of an mfgate process, in
// either format ("... mfgate-worker ERROR message", or JSON with "level":
// "error"); nullopt otherwise.
std::optional<std::string> ErrorMessageOf(absl::string_view line);
inline void LogDebug(absl::string_view m) { Log(LogLevel::kDebug, m); }
inline void LogInfo(absl::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(absl::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogError(absl::string_view m) { Log(LogLevel::kError, m); }

}  // namespace mfgate

#endif  // MFGATE_COMMON_LOG_H_
