#include "common/wait_serving.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace mfgate {

absl::Status WaitUntilServing(const std::shared_ptr<grpc::Channel>& channel,
                              Subprocess* process, absl::Time deadline) {
  auto health = grpc::health::v1::Health::NewStub(channel);
  while (true) {
    if (process != nullptr) {
      if (std::optional<ExitInfo> exit = process->TryWait()) {
        return absl::UnavailableError(
            absl::StrCat("the worker ", exit->ToString()));
      }
    }
    grpc::ClientContext context;
    context.set_deadline(
        absl::ToChronoTime(std::min(deadline, absl::Now() + absl::Seconds(1))));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    if (health->Check(&context, request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          "the worker did not become ready in time");
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

}  // namespace mfgate
