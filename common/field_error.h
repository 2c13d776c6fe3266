// Errors that name the request field at fault.
//
// A validation error must tell the caller *which* argument is wrong, so the
// field travels with the absl::Status as a payload and is carried across the
// gRPC hop in an mfgate.v1.ErrorDetail (see grpc_status.h). Stateless helpers;
// safe from any thread.
#ifndef MFGATE_COMMON_FIELD_ERROR_H_
#define MFGATE_COMMON_FIELD_ERROR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace mfgate {

// An InvalidArgument status whose message is "<field>: <message>" and which
// carries `field` as a payload.
absl::Status FieldError(absl::string_view field, absl::string_view message);

// A NotFound status for an unknown name in `field`, with optional suggestions.
absl::Status NotFoundFieldError(
    absl::string_view field, absl::string_view message,
    const std::vector<std::string>& suggestions = {});

// The field named by FieldError/NotFoundFieldError, or "" if none.
std::string ErrorField(const absl::Status& status);

// The suggestions attached by NotFoundFieldError (or by the engine).
std::vector<std::string> ErrorSuggestions(const absl::Status& status);

// Returns `status` with `field` and `suggestions` attached as payloads.
absl::Status WithErrorContext(absl::Status status, absl::string_view field,
                              const std::vector<std::string>& suggestions);

}  // namespace mfgate

#endif  // MFGATE_COMMON_FIELD_ERROR_H_
