#include "worker/service/redact.h"

#include "re2/re2.h"

namespace mfgate::service {

std::string RedactSecrets(absl::string_view text) {
  // name=value, name: value, name 'value' for credential-like names.
  static const RE2* const kSetting = new RE2(
      R"re((?i)((?:password|passwd|pwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credentials?)["']?\s*[:=]\s*["']?)[^\s"',;}&]+)re");
  // scheme://user:password@host
  static const RE2* const kUrl =
      new RE2(R"re(([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+:)[^@\s]+@)re");
  std::string out(text.data(), text.size());
  RE2::GlobalReplace(&out, *kSetting, "\\1[REDACTED]");
  RE2::GlobalReplace(&out, *kUrl, "\\1[REDACTED]@");
  return out;
}

}  // namespace mfgate::service
