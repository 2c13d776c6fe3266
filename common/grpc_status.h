// Conversion between absl::Status (inside a process) and grpc::Status (on the
// wire between gateway and worker).
//
// The field and suggestions that common/field_error.h attaches to a status
// cross the hop as an mfgate.v1.ErrorDetail packed into a google.rpc.Status,
// serialized in grpc::Status::error_details() (the grpc-status-details-bin
// trailer), so the gateway can tell a caller exactly which argument was wrong.
//
// gRPC sends a status in metadata, which the receiver refuses beyond its
// limit (8 KiB by default; the call then fails with "received initial
// metadata size exceeds limit" and the error itself is lost). ToGrpcStatus
// therefore bounds what it sends: the message to kMaxWireMessageBytes, the
// field, and the number and length of suggestions, so that any status
// reaches the caller, shortened.
// Stateless; safe from any thread.
#ifndef MFGATE_COMMON_GRPC_STATUS_H_
#define MFGATE_COMMON_GRPC_STATUS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"
#include "mfgate/v1/worker.pb.h"

namespace mfgate {

// The longest status message sent (grpc-message, percent-encoded on the
// wire, so up to three times this in metadata) and the bounds of the
// ErrorDetail beside it (base64-encoded).
inline constexpr size_t kMaxWireMessageBytes = 1024;
inline constexpr size_t kMaxWireFieldBytes = 128;
inline constexpr size_t kMaxWireSuggestions = 8;
inline constexpr size_t kMaxWireSuggestionBytes = 96;

// `text` when it fits in `max_bytes`; else its beginning, cut at a UTF-8
// character boundary, followed by " ... (N bytes cut)", in `max_bytes` in all.
std::string ShortenForWire(absl::string_view text, size_t max_bytes);

// The wire form of `status`; OK maps to grpc::Status::OK.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The in-process form of `status`, with the ErrorDetail's field and
// suggestions restored as payloads (see ErrorField / ErrorSuggestions).
absl::Status FromGrpcStatus(const grpc::Status& status);

// The ErrorDetail describing `status` (code mapped from the status code),
// within the bounds above.
v1::ErrorDetail ToErrorDetail(const absl::Status& status);

// The status an engine's ErrorDetail stands for.
absl::Status FromErrorDetail(const v1::ErrorDetail& detail);

}  // namespace mfgate

#endif  // MFGATE_COMMON_GRPC_STATUS_H_
