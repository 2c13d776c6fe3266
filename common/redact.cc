#include "common/redact.h"

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "re2/re2.h"

namespace mfgate {
namespace {

constexpr size_t kMinSecretBytes = 4;
constexpr size_t kMaxSecrets = 256;

struct Secrets {
  absl::Mutex mu;
  std::vector<std::string> values ABSL_GUARDED_BY(mu);
};

Secrets& Registered() {
  static Secrets* secrets = new Secrets();
  return *secrets;
}

}  // namespace

std::string RedactSecrets(absl::string_view text) {
  // name=value, name: value, name 'value' for credential-like names.
  static const RE2* const kSetting = new RE2(
      R"re((?i)((?:password|passwd|pwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credentials?)["']?\s*[:=]\s*["']?)[^\s"',;}&]+)re");
  // scheme://user:password@host
  static const RE2* const kUrl =
      new RE2(R"re(([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+:)[^@\s]+@)re");
  std::string out(text.data(), text.size());
  {
    Secrets& secrets = Registered();
    absl::MutexLock lock(&secrets.mu);
    for (const std::string& value : secrets.values) {
      if (absl::StrContains(out, value)) {
        absl::StrReplaceAll({{value, kRedacted}}, &out);
      }
    }
  }
  RE2::GlobalReplace(&out, *kSetting, "\\1[REDACTED]");
  RE2::GlobalReplace(&out, *kUrl, "\\1[REDACTED]@");
  return out;
}

std::string ForCaller(absl::string_view text) {
  // Up to and including the packages directory: an absolute path of
  // non-space characters (quotes end it, as in a traceback's File "...").
  static const RE2* const kInstallPath =
      new RE2(R"re(/[^\s"'<>]*?/(?:site|dist)-packages/)re");
  std::string out = RedactSecrets(text);
  RE2::GlobalReplace(&out, *kInstallPath, "");
  return out;
}

void RegisterSecret(absl::string_view value) {
  if (value.size() < kMinSecretBytes) return;
  Secrets& secrets = Registered();
  absl::MutexLock lock(&secrets.mu);
  if (secrets.values.size() >= kMaxSecrets) return;
  for (const std::string& known : secrets.values) {
    if (known == value) return;
  }
  secrets.values.emplace_back(value);
}

bool IsSecretName(absl::string_view name) {
  const std::string upper = absl::AsciiStrToUpper(name);
  if (absl::StartsWith(upper, "DBT_ENV_SECRET_")) return true;
  for (absl::string_view word :
       {"PASSWORD", "PASSWD", "TOKEN", "SECRET", "KEY", "CREDENTIAL"}) {
    if (absl::StrContains(upper, word)) return true;
  }
  return false;
}

}  // namespace mfgate
