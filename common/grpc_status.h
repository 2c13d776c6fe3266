// Conversion between absl::Status (inside a process) and grpc::Status (on the
// wire between gateway and worker).
//
// The field and suggestions that common/field_error.h attaches to a status
// cross the hop as an mfgate.v1.ErrorDetail packed into a google.rpc.Status,
// serialized in grpc::Status::error_details() (the grpc-status-details-bin
// trailer), so the gateway can tell a caller exactly which argument was wrong.
// Stateless; safe from any thread.
#ifndef MFGATE_COMMON_GRPC_STATUS_H_
#define MFGATE_COMMON_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "mfgate/v1/worker.pb.h"

namespace mfgate {

// The wire form of `status`; OK maps to grpc::Status::OK.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The in-process form of `status`, with the ErrorDetail's field and
// suggestions restored as payloads (see ErrorField / ErrorSuggestions).
absl::Status FromGrpcStatus(const grpc::Status& status);

// The ErrorDetail describing `status` (code mapped from the status code).
v1::ErrorDetail ToErrorDetail(const absl::Status& status);

// The status an engine's ErrorDetail stands for.
absl::Status FromErrorDetail(const v1::ErrorDetail& detail);

}  // namespace mfgate

#endif  // MFGATE_COMMON_GRPC_STATUS_H_
