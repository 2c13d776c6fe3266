// Waiting for a gRPC server to report SERVING on the standard health service
// (grpc.health.v1), as a freshly started worker does once its engine is
// ready. Stateless; safe from any thread.
#ifndef MFGATE_COMMON_WAIT_SERVING_H_
#define MFGATE_COMMON_WAIT_SERVING_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "grpcpp/channel.h"

namespace mfgate {

// Why a wait should end early (e.g. "the worker exited with status 1"), or
// nullopt to keep waiting.
using StopReason = std::function<std::optional<std::string>()>;

// Polls `channel`'s health of `service` ("": the server's overall health)
// until SERVING. Fails with Unavailable as soon as `stop` (may be empty)
// gives a reason, and DeadlineExceeded at `deadline`.
absl::Status WaitUntilServing(const std::shared_ptr<grpc::Channel>& channel,
                              absl::Time deadline, const StopReason& stop,
                              const std::string& service = "");

// A StopReason for a child process that the calling thread owns (it calls
// TryWait, common/subprocess.h): its exit, once it has exited.
StopReason WhenExited(std::shared_ptr<Subprocess> process);

}  // namespace mfgate

#endif  // MFGATE_COMMON_WAIT_SERVING_H_
