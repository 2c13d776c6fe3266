// One unary call to a worker with a deadline, as an absl::StatusOr.
//
// For calls that need none of a tool call's machinery (kept answers,
// cancellation, progress: metricflow_tools.cc): the semantic layer's
// resources and the names a refusal's correction looks up. Safe from any
// thread.
#ifndef MFGATE_GATEWAY_TOOLS_WORKER_CALL_H_
#define MFGATE_GATEWAY_TOOLS_WORKER_CALL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/call_headers.h"
#include "common/grpc_status.h"
#include "grpcpp/client_context.h"
#include "mfgate/v1/worker.grpc.pb.h"

namespace mfgate::tools {

// `method` of `worker` with `request`, within `timeout`; with
// `wait_for_ready`, a worker that is still starting is waited for. A
// `caller` (common/call_headers.h) names the session the call is made for.
template <typename Request, typename Response>
absl::StatusOr<Response> CallWorker(
    v1::Worker::StubInterface* worker,
    grpc::Status (v1::Worker::StubInterface::*method)(grpc::ClientContext*,
                                                      const Request&,
                                                      Response*),
    const Request& request, absl::Duration timeout, bool wait_for_ready,
    const std::string& caller = "") {
  grpc::ClientContext context;
  if (!caller.empty()) context.AddMetadata(kCallerHeader, caller);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  context.set_wait_for_ready(wait_for_ready);
  Response response;
  absl::Status status =
      FromGrpcStatus((worker->*method)(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_WORKER_CALL_H_
