// Waiting for a gRPC server to report SERVING on the standard health service
// (grpc.health.v1), as a freshly started worker does once its engine is
// ready. Stateless; safe from any thread.
#ifndef MFGATE_COMMON_WAIT_SERVING_H_
#define MFGATE_COMMON_WAIT_SERVING_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "grpcpp/channel.h"

namespace mfgate {

// Polls `channel`'s overall health until SERVING. Fails with Unavailable as
// soon as `process` (may be null) has exited, and DeadlineExceeded at
// `deadline`.
absl::Status WaitUntilServing(const std::shared_ptr<grpc::Channel>& channel,
                              Subprocess* process, absl::Time deadline);

}  // namespace mfgate

#endif  // MFGATE_COMMON_WAIT_SERVING_H_
