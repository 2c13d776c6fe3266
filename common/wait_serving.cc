#include "common/wait_serving.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace mfgate {

absl::Status WaitUntilServing(const std::shared_ptr<grpc::Channel>& channel,
                              absl::Time deadline, const StopReason& stop,
                              const std::string& service) {
  auto health = grpc::health::v1::Health::NewStub(channel);
  while (true) {
    if (stop) {
      if (std::optional<std::string> reason = stop()) {
        return absl::UnavailableError(*reason);
      }
    }
    grpc::ClientContext context;
    context.set_deadline(
        absl::ToChronoTime(std::min(deadline, absl::Now() + absl::Seconds(1))));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
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

StopReason WhenExited(std::shared_ptr<Subprocess> process) {
  return [process]() -> std::optional<std::string> {
    if (process == nullptr) return std::nullopt;
    std::optional<ExitInfo> exit = process->TryWait();
    if (!exit.has_value()) return std::nullopt;
    return absl::StrCat("the worker ", exit->ToString());
  };
}

}  // namespace mfgate
