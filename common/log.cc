#include "common/log.h"

#include <ctype.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/json_text.h"
#include "common/redact.h"

namespace mfgate {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> g_json{false};

absl::Mutex g_name_mu(absl::kConstInit);
std::string* g_name ABSL_GUARDED_BY(g_name_mu) = nullptr;

std::string ProgramName() {
  absl::MutexLock lock(&g_name_mu);
  return g_name != nullptr ? *g_name : "mfgate";
}

std::string Timestamp() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                          absl::UTCTimeZone());
}

// Every line passes the redactor: no caller has to remember it, and the
// lines other processes hand this one (the engine's output) are covered too.
void WriteLine(std::string line) {
  line = RedactSecrets(line);
  line.push_back('\n');
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

// In JSON: {"ts", "level", "program", then `fields`}.
void WriteJson(LogLevel level, const nlohmann::json& fields) {
  std::string name = LevelName(level);
  for (char& c : name) c = static_cast<char>(tolower(c));
  nlohmann::json line = {
      {"ts", Timestamp()}, {"level", name}, {"program", ProgramName()}};
  for (const auto& [key, value] : fields.items()) line[key] = value;
  // Invalid UTF-8 in a message is replaced, never a reason to lose the line.
  WriteLine(JsonText(line));
}

}  // namespace

void SetLogProgramName(absl::string_view name) {
  absl::MutexLock lock(&g_name_mu);
  delete g_name;
  g_name = new std::string(name);
}

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  if (text == "debug")
    *level = LogLevel::kDebug;
  else if (text == "info")
    *level = LogLevel::kInfo;
  else if (text == "warning" || text == "warn")
    *level = LogLevel::kWarning;
  else if (text == "error")
    *level = LogLevel::kError;
  else
    return false;
  return true;
}

void SetLogFormat(LogFormat format) { g_json = format == LogFormat::kJson; }

LogFormat CurrentLogFormat() {
  return g_json ? LogFormat::kJson : LogFormat::kText;
}

bool ParseLogFormat(absl::string_view text, LogFormat* format) {
  if (text == "text") {
    *format = LogFormat::kText;
  } else if (text == "json") {
    *format = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

void Log(LogLevel level, absl::string_view message) {
  if (static_cast<int>(level) < g_level.load()) return;
  if (g_json) {
    WriteJson(level, {{"msg", std::string(message)}});
    return;
  }
  WriteLine(absl::StrCat(Timestamp(), " ", ProgramName(), " ", LevelName(level),
                         " ", message));
}

void LogRaw(absl::string_view line) { WriteLine(std::string(line)); }

std::optional<std::string> ErrorMessageOf(absl::string_view line) {
  if (!line.empty() && line.front() == '{') {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed.value("level", "") == "error" &&
        parsed.contains("msg") && parsed["msg"].is_string()) {
      return parsed["msg"].get<std::string>();
    }
    return std::nullopt;
  }
  constexpr absl::string_view kError = " ERROR ";
  const size_t at = line.find(kError);
  if (at == absl::string_view::npos) return std::nullopt;
  return std::string(line.substr(at + kError.size()));
}

void LogEvent(LogLevel level, absl::string_view event,
              const nlohmann::json& fields) {
  if (static_cast<int>(level) < g_level.load()) return;
  if (g_json) {
    nlohmann::json all = fields;
    all["event"] = std::string(event);
    WriteJson(level, all);
    return;
  }
  std::string text(event);
  for (const auto& [key, value] : fields.items()) {
    absl::StrAppend(&text, " ", key, "=",
                    value.is_string() && value.get<std::string>().find(' ') ==
                                             std::string::npos
                        ? value.get<std::string>()
                        : JsonText(value));
  }
  Log(level, text);
}

}  // namespace mfgate
