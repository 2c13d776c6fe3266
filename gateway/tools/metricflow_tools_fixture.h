// A fake worker and a test fixture for MetricFlowTools: the tools of one
// tenant in front of an in-process gRPC server that answers as FakeWorker
// says. For tests only; FakeWorker's fields are read by the test thread and
// written by gRPC's (the plain ones only between calls).
#ifndef MFGATE_GATEWAY_TOOLS_METRICFLOW_TOOLS_FIXTURE_H_
#define MFGATE_GATEWAY_TOOLS_METRICFLOW_TOOLS_FIXTURE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/call_headers.h"
#include "common/field_error.h"
#include "common/grpc_status.h"
#include "common/manifest_headers.h"
#include "gateway/tools/metricflow_tools.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

// A worker that records requests; `transaction` is unknown; `slow` waits for
// the client to cancel.
class FakeWorker final : public v1::Worker::Service {
 public:
  grpc::Status Query(grpc::ServerContext* context,
                     const v1::QueryRequest* request,
                     v1::QueryResponse* response) override {
    last_query = *request;
    NoteCaller(*context);
    int answer = 0;
    {
      absl::MutexLock lock(&mu);
      answer = ++queries;
    }
    if (request->metrics_size() > 0 && request->metrics(0) == "transaction") {
      return ToGrpcStatus(
          NotFoundFieldError("metrics", "unknown metric", {"transactions"}));
    }
    if (request->metrics_size() > 0 && request->metrics(0) == "slow") {
      while (!context->IsCancelled()) absl::SleepFor(absl::Milliseconds(2));
      saw_cancel = true;
      return grpc::Status::CANCELLED;
    }
    if (request->metrics_size() > 0 && request->metrics(0) == "many") {
      response->add_columns()->set_name("day");
      response->add_columns()->set_name("many");
      response->add_columns()->set_name("answer");  // Which query made it.
      for (int i = 0; i < 300; ++i) {
        v1::Row* row = response->add_rows();
        row->add_values()->set_string_value(absl::StrCat("day ", i));
        row->add_values()->set_int_value(i);
        row->add_values()->set_int_value(answer);
      }
      return grpc::Status::OK;
    }
    response->add_columns()->set_name("transactions");
    response->add_rows()->add_values()->set_int_value(42);
    response->set_sql("SELECT 42");
    return grpc::Status::OK;
  }
  // With a `manifest`, answers as the worker does (manifest_headers.h).
  grpc::Status ListMetrics(grpc::ServerContext* context,
                           const v1::ListMetricsRequest* request,
                           v1::ListMetricsResponse* response) override {
    NoteCaller(*context);
    absl::MutexLock lock(&mu);
    ++list_calls;
    if (unavailable > 0) {
      --unavailable;
      // As a dropped connection looks, or with the worker's ErrorDetail.
      return unavailable_from_worker
                 ? ToGrpcStatus(absl::UnavailableError("engine restarting"))
                 : grpc::Status(grpc::StatusCode::UNAVAILABLE, "dropped");
    }
    if (!manifest.empty()) {
      context->AddInitialMetadata(kManifestHeader, manifest);
      auto kept = context->client_metadata().find(kIfManifestHeader);
      if (always_not_modified || (kept != context->client_metadata().end() &&
                                  kept->second == manifest)) {
        context->AddInitialMetadata(kNotModifiedHeader, "1");
        ++not_modified;
        return grpc::Status::OK;
      }
    }
    ++full_answers;
    response->add_metrics()->set_name(
        absl::StrCat("search=", absl::StrJoin(request->search(), ","),
                     manifest.empty() ? "" : " manifest=", manifest));
    return grpc::Status::OK;
  }

  // With `watchable`, streams `manifest` as the worker does until the call
  // ends; else the RPC is unimplemented (an older worker).
  grpc::Status WatchManifest(
      grpc::ServerContext* context, const v1::WatchManifestRequest*,
      grpc::ServerWriter<v1::ManifestState>* writer) override {
    std::string sent = "-";
    long long sent_rows = -1, sent_default = -1;
    while (!context->IsCancelled()) {
      v1::ManifestState state;
      {
        absl::MutexLock lock(&mu);
        if (!watchable)
          return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "older");
        if (manifest == sent && max_rows == sent_rows &&
            default_limit == sent_default) {
          state.set_manifest_sha256("-");  // Nothing new to send.
        } else {
          sent = manifest;
          sent_rows = max_rows;
          sent_default = default_limit;
          state.set_manifest_sha256(sent);
          state.set_max_rows(sent_rows);
          state.set_default_limit(sent_default);
        }
      }
      if (state.manifest_sha256() != "-") writer->Write(state);
      absl::SleepFor(absl::Milliseconds(1));
    }
    return grpc::Status::CANCELLED;
  }

  // Records the caller a call names (kCallerHeader; "" without one).
  void NoteCaller(const grpc::ServerContext& context) {
    auto found = context.client_metadata().find(kCallerHeader);
    absl::MutexLock lock(&mu);
    callers.push_back(
        found == context.client_metadata().end()
            ? ""
            : std::string(found->second.data(), found->second.size()));
  }

  v1::QueryRequest last_query;
  std::atomic<bool> saw_cancel{false};
  absl::Mutex mu;
  bool watchable ABSL_GUARDED_BY(mu) = false;
  std::string manifest ABSL_GUARDED_BY(mu);
  bool always_not_modified ABSL_GUARDED_BY(mu) = false;
  int full_answers ABSL_GUARDED_BY(mu) = 0;
  int not_modified ABSL_GUARDED_BY(mu) = 0;
  int list_calls ABSL_GUARDED_BY(mu) = 0;
  int queries ABSL_GUARDED_BY(mu) = 0;  // Query calls answered.
  // ListMetrics answers UNAVAILABLE this many times first.
  int unavailable ABSL_GUARDED_BY(mu) = 0;
  bool unavailable_from_worker ABSL_GUARDED_BY(mu) = false;
  // The row cap the manifest stream reports (0: none, as an older worker).
  long long max_rows ABSL_GUARDED_BY(mu) = 0;
  // The default limit it reports (0: none, as an older worker).
  long long default_limit ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::string> callers ABSL_GUARDED_BY(mu);
};

class MetricFlowToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&worker_);
    server_ = builder.BuildAndStart();
    tools_ = std::make_unique<MetricFlowTools>(
        v1::Worker::NewStub(server_->InProcessChannel({})),
        MetricFlowToolsOptions());
  }
  void TearDown() override {
    // Its manifest watch calls the worker: on an in-process channel, a call
    // made after the server shut down crashes gRPC.
    tools_.reset();
    server_->Shutdown();
  }

  nlohmann::json Call(const std::string& name, const nlohmann::json& arguments,
                      const std::string& caller = "") {
    mcp::CancellationToken token;
    mcp::ToolCallContext context;
    context.cancellation = &token;
    context.caller = caller;
    return tools_->CallTool(name, arguments, context).ToJson();
  }

  FakeWorker worker_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricFlowTools> tools_;
};

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_METRICFLOW_TOOLS_FIXTURE_H_
