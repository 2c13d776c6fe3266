// The fixture of the worker service's tests: a WorkerService on an
// in-process gRPC server, in front of a scripted fake engine. Test-only.
#ifndef MFGATE_WORKER_SERVICE_WORKER_SERVICE_FIXTURE_H_
#define MFGATE_WORKER_SERVICE_WORKER_SERVICE_FIXTURE_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "common/manifest_headers.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "worker/service/worker_service.h"

namespace mfgate::service {

// Records requests and answers with a scripted response.
class FakeEngine : public engine::Engine {
 public:
  absl::StatusOr<v1::EngineResponse> CallFor(
      const std::string& caller, const v1::EngineRequest& request,
      absl::Time deadline, const std::function<bool()>& cancelled) override {
    {
      absl::MutexLock lock(&mu);  // Calls come from many threads at once.
      last_caller = caller;
      last_request = request;
      last_deadline = deadline;
    }
    ++calls;
    if (hang) {
      while (!cancelled()) absl::SleepFor(absl::Milliseconds(5));
      saw_cancel = true;
      return absl::CancelledError("cancelled");
    }
    return next;
  }
  bool Ready() const override { return true; }
  std::string Describe() const override { return "fake"; }
  std::string ManifestSha256() const override {
    absl::MutexLock lock(&mu);
    return manifest;
  }
  void SetManifest(const std::string& sha) {
    absl::MutexLock lock(&mu);
    manifest = sha;
  }
  int Restarts() const override { return restarts; }
  std::string StartFailure() const override {
    absl::MutexLock lock(&mu);
    return start_failure;
  }
  std::shared_ptr<const v1::SemanticIndex> Index() const override {
    absl::MutexLock lock(&mu);
    return index;
  }

  mutable absl::Mutex mu;
  std::string manifest ABSL_GUARDED_BY(mu);
  std::string start_failure ABSL_GUARDED_BY(mu);
  std::shared_ptr<const v1::SemanticIndex> index ABSL_GUARDED_BY(mu);
  std::string last_caller ABSL_GUARDED_BY(mu);

  v1::EngineRequest last_request;
  absl::Time last_deadline;
  absl::StatusOr<v1::EngineResponse> next;
  std::atomic<int> calls{0};
  std::atomic<int> restarts{0};
  std::atomic<bool> hang{false};
  std::atomic<bool> saw_cancel{false};
};

class WorkerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.max_rows = 3;
    options_.limits.default_limit = 100;
    service_ = std::make_unique<WorkerService>(&engine_, options_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::Worker::NewStub(server_->InProcessChannel({}));
  }
  void TearDown() override { server_->Shutdown(); }

  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    return context;
  }

  FakeEngine engine_;
  ServiceOptions options_;
  std::unique_ptr<WorkerService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Worker::Stub> stub_;
};

// The manifest header of a finished call, or "" without one; `not_modified`
// receives whether the worker answered "not modified".
inline std::string ManifestOf(const grpc::ClientContext& context,
                              bool* not_modified) {
  const auto& headers = context.GetServerInitialMetadata();
  auto flag = headers.find(kNotModifiedHeader);
  *not_modified = flag != headers.end() && flag->second == "1";
  auto found = headers.find(kManifestHeader);
  return found == headers.end()
             ? ""
             : std::string(found->second.data(), found->second.size());
}

}  // namespace mfgate::service

#endif  // MFGATE_WORKER_SERVICE_WORKER_SERVICE_FIXTURE_H_
