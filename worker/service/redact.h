// Redaction of credentials from messages that leave the worker.
//
// Warehouse drivers sometimes echo connection strings or settings in their
// errors. Everything the worker returns or logs from the engine passes
// through RedactSecrets first, so that a password never reaches the gateway.
// Stateless; safe from any thread.
#ifndef MFGATE_WORKER_SERVICE_REDACT_H_
#define MFGATE_WORKER_SERVICE_REDACT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace mfgate::service {

// `text` with the values of password/secret/token/key-like settings and the
// password of URL credentials (scheme://user:password@host) replaced by
// "[REDACTED]".
std::string RedactSecrets(absl::string_view text);

}  // namespace mfgate::service

#endif  // MFGATE_WORKER_SERVICE_REDACT_H_
