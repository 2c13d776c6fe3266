// Redaction of credentials, and of this machine's install paths, from text
// that leaves a process.
//
// Warehouse drivers, dbt and Python tracebacks sometimes echo connection
// strings, settings or the values of the variables a profile reads. Every
// log line (common/log.h applies RedactSecrets to each) and everything the
// worker answers passes through here first, so that a password never reaches
// the gateway, a caller or a log collector:
//   - the values of credential-like settings (password=..., "token": ...),
//   - the password of URL credentials (scheme://user:password@host),
//   - any value registered with RegisterSecret (the worker registers the
//     values of the secret variables it hands its engine), wherever it
//     appears, even with no setting name beside it.
// ForCaller also drops install paths (…/site-packages/, …/dist-packages/),
// which say nothing to a caller about their request and much about the host.
//
// Thread-safe.
#ifndef MFGATE_COMMON_REDACT_H_
#define MFGATE_COMMON_REDACT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace mfgate {

// The text put in place of a secret.
inline constexpr absl::string_view kRedacted = "[REDACTED]";

// `text` with the secrets described above replaced by kRedacted.
std::string RedactSecrets(absl::string_view text);

// RedactSecrets, and every path up to a site-packages or dist-packages
// directory removed ("/x/.venv/lib/python3.11/site-packages/dbt/a.py" ->
// "dbt/a.py").
std::string ForCaller(absl::string_view text);

// From now on, `value` is redacted wherever it appears. Values shorter than
// 4 bytes are ignored (they would redact ordinary words); at most 256 values
// are kept.
void RegisterSecret(absl::string_view value);

// Whether a variable named `name` holds a credential by its name
// (PASSWORD, TOKEN, SECRET, KEY, CREDENTIAL; dbt's DBT_ENV_SECRET_ prefix).
bool IsSecretName(absl::string_view name);

}  // namespace mfgate

#endif  // MFGATE_COMMON_REDACT_H_
