#include "worker/service/worker_service.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "common/field_error.h"
#include "common/grpc_status.h"
#include "common/manifest_headers.h"
#include "common/thread_cache.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "worker/service/worker_service_fixture.h"

namespace mfgate::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(WorkerServiceTest, MetadataIsNotSentAgainToACallerThatKeptIt) {
  engine_.SetManifest("sha-1");
  v1::EngineResponse reply;
  reply.mutable_list_metrics()->add_metrics()->set_name("revenue");
  engine_.next = reply;
  v1::ListMetricsRequest request;
  v1::ListMetricsResponse response;
  bool not_modified = true;

  auto first = Context();
  ASSERT_TRUE(stub_->ListMetrics(first.get(), request, &response).ok());
  EXPECT_EQ(ManifestOf(*first, &not_modified), "sha-1");
  EXPECT_FALSE(not_modified);
  EXPECT_EQ(response.metrics_size(), 1);

  // Kept under the engine's manifest: an empty answer, flagged.
  auto kept = Context();
  kept->AddMetadata(kIfManifestHeader, "sha-1");
  response.Clear();
  ASSERT_TRUE(stub_->ListMetrics(kept.get(), request, &response).ok());
  EXPECT_EQ(ManifestOf(*kept, &not_modified), "sha-1");
  EXPECT_TRUE(not_modified);
  EXPECT_EQ(response.metrics_size(), 0);

  // Kept under another manifest: the whole answer, with the new hash.
  engine_.SetManifest("sha-2");
  auto stale = Context();
  stale->AddMetadata(kIfManifestHeader, "sha-1");
  ASSERT_TRUE(stub_->ListMetrics(stale.get(), request, &response).ok());
  EXPECT_EQ(ManifestOf(*stale, &not_modified), "sha-2");
  EXPECT_FALSE(not_modified);
  EXPECT_EQ(response.metrics_size(), 1);
  EXPECT_EQ(engine_.calls, 2);  // The engine answered only the full ones.
}

TEST_F(WorkerServiceTest, DataAnswersAreNeverNotModified) {
  engine_.SetManifest("sha-1");
  v1::EngineResponse reply;
  reply.mutable_query()->add_rows()->add_values()->set_int_value(7);
  engine_.next = reply;
  v1::QueryRequest request;
  request.add_metrics("revenue");
  auto context = Context();
  context->AddMetadata(kIfManifestHeader, "sha-1");
  v1::QueryResponse response;
  ASSERT_TRUE(stub_->Query(context.get(), request, &response).ok());
  bool not_modified = true;
  EXPECT_EQ(ManifestOf(*context, &not_modified), "");
  EXPECT_FALSE(not_modified);
  EXPECT_EQ(response.rows_size(), 1);
}

TEST_F(WorkerServiceTest, CompiledSqlIsKeptWhileTheManifestIsTheSame) {
  engine_.SetManifest("sha-1");
  v1::EngineResponse reply;
  reply.mutable_query()->set_sql("SELECT 1");
  engine_.next = reply;
  v1::QueryRequest compile;
  compile.add_metrics("revenue");
  compile.set_compile_only(true);
  auto ask = [&](const v1::QueryRequest& request) {
    v1::QueryResponse response;
    auto context = Context();
    context->AddMetadata(kIfManifestHeader, "sha-1");  // Never "not modified".
    EXPECT_TRUE(stub_->Query(context.get(), request, &response).ok());
    return response.sql();
  };
  EXPECT_EQ(ask(compile), "SELECT 1");
  EXPECT_EQ(ask(compile), "SELECT 1");
  EXPECT_EQ(engine_.calls, 1);
  // Another query, or the same one run for its rows, goes to the engine.
  v1::QueryRequest other = compile;
  other.set_limit(7);
  ask(other);
  v1::QueryRequest run = compile;
  run.set_compile_only(false);
  ask(run);
  ask(run);
  EXPECT_EQ(engine_.calls, 4);
  // A restarted engine has the worker's one profile: its SQL is the same.
  engine_.restarts = 1;
  EXPECT_EQ(ask(compile), "SELECT 1");
  EXPECT_EQ(engine_.calls, 4);
  // Another manifest compiles anew.
  engine_.SetManifest("sha-2");
  reply.mutable_query()->set_sql("SELECT 2");
  engine_.next = reply;
  EXPECT_EQ(ask(compile), "SELECT 2");
  EXPECT_EQ(engine_.calls, 5);
}

TEST_F(WorkerServiceTest, QueryGetsTheDefaultLimitAndTheRowCap) {
  v1::EngineResponse reply;
  for (int i = 0; i < 5; ++i) {
    reply.mutable_query()->add_rows()->add_values()->set_int_value(i);
  }
  engine_.next = reply;
  v1::QueryRequest request;
  request.add_metrics("transactions");
  v1::QueryResponse response;
  ASSERT_TRUE(stub_->Query(Context().get(), request, &response).ok());
  EXPECT_EQ(engine_.last_request.query().limit(), 100);
  EXPECT_EQ(engine_.last_request.max_rows(), 3);
  EXPECT_EQ(response.rows_size(), 3);
  EXPECT_TRUE(response.truncated());
}

// A worker whose answers may hold 1,000 bytes (and, as every test's, 3 rows).
TEST_F(WorkerServiceTest, InvalidRequestsNeverReachTheEngine) {
  v1::QueryRequest request;
  request.add_metrics("transactions; DROP TABLE x");
  v1::QueryResponse response;
  absl::Status status =
      FromGrpcStatus(stub_->Query(Context().get(), request, &response));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(status), "metrics[0]");
  EXPECT_EQ(engine_.calls.load(), 0);
}

TEST_F(WorkerServiceTest, EngineErrorsKeepFieldAndSuggestionsAndAreRedacted) {
  v1::EngineResponse reply;
  reply.mutable_error()->set_code(v1::ErrorDetail::NOT_FOUND);
  reply.mutable_error()->set_message("unknown metric (password=hunter2)");
  reply.mutable_error()->set_field("metrics");
  reply.mutable_error()->add_suggestions("transactions");
  engine_.next = reply;
  v1::QueryRequest request;
  request.add_metrics("transaction");
  v1::QueryResponse response;
  absl::Status status =
      FromGrpcStatus(stub_->Query(Context().get(), request, &response));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorField(status), "metrics");
  EXPECT_THAT(ErrorSuggestions(status), ::testing::ElementsAre("transactions"));
  EXPECT_THAT(status.message(), HasSubstr("[REDACTED]"));
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("hunter2")));
}

// Over a real connection (HTTP/2, with its 8 KiB metadata limit): an engine
// error far longer than that still reaches the caller, shortened.
TEST_F(WorkerServiceTest, AnEngineErrorTooLongForMetadataReachesTheCaller) {
  v1::EngineResponse reply;
  reply.mutable_error()->set_code(v1::ErrorDetail::ENGINE_ERROR);
  reply.mutable_error()->set_message("Compilation Error in macro: " +
                                     std::string(40000, '{'));
  for (int i = 0; i < 500; ++i) {
    reply.mutable_error()->add_suggestions("metric_" + std::to_string(i));
  }
  engine_.next = reply;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(service_.get());
  std::unique_ptr<grpc::Server> tcp = builder.BuildAndStart();
  ASSERT_NE(tcp, nullptr);
  auto stub = v1::Worker::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  v1::QueryRequest request;
  request.add_metrics("transactions");
  v1::QueryResponse response;
  grpc::Status wire = stub->Query(Context().get(), request, &response);
  tcp->Shutdown();
  absl::Status status = FromGrpcStatus(wire);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("Compilation Error in macro: {{{"));
  EXPECT_THAT(status.message(), HasSubstr("bytes cut"));
  EXPECT_FALSE(ErrorSuggestions(status).empty());
}

TEST_F(WorkerServiceTest, WrongAnswerCaseIsAnInternalError) {
  v1::EngineResponse reply;
  reply.mutable_list_entities();
  engine_.next = reply;
  v1::ListMetricsResponse response;
  grpc::Status status =
      stub_->ListMetrics(Context().get(), v1::ListMetricsRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
}

TEST_F(WorkerServiceTest, EngineUnavailableIsUnavailable) {
  engine_.next = absl::UnavailableError("engine restarting");
  v1::ListMetricsResponse response;
  grpc::Status status =
      stub_->ListMetrics(Context().get(), v1::ListMetricsRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("restarting"));
}

TEST_F(WorkerServiceTest, CallerDeadlineIsPassedToTheEngine) {
  v1::EngineResponse reply;
  reply.mutable_list_metrics();
  engine_.next = reply;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(7));
  v1::ListMetricsResponse response;
  ASSERT_TRUE(
      stub_->ListMetrics(&context, v1::ListMetricsRequest(), &response).ok());
  absl::Duration left = engine_.last_deadline - absl::Now();
  EXPECT_GT(left, absl::Seconds(5));
  EXPECT_LE(left, absl::Seconds(7) + absl::Milliseconds(100));
}

TEST_F(WorkerServiceTest, ClientCancellationReachesTheEngine) {
  engine_.hang = true;
  grpc::ClientContext context;
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(100));
    context.TryCancel();
  });
  v1::QueryRequest request;
  request.add_metrics("transactions");
  v1::QueryResponse response;
  grpc::Status status = stub_->Query(&context, request, &response);
  canceller.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!engine_.saw_cancel && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_TRUE(engine_.saw_cancel.load());
}

TEST_F(WorkerServiceTest, CallsBeforeTheEngineIsAttachedWaitForIt) {
  // A service whose engine comes later, as in the worker's start-up; calls
  // may wait up to a second for it.
  ServiceOptions options = options_;
  options.max_deadline = absl::Seconds(1);
  WorkerService service(nullptr, options);
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = v1::Worker::NewStub(server->InProcessChannel({}));

  // No engine within that second: UNAVAILABLE, saying why.
  v1::ListMetricsResponse response;
  grpc::Status status =
      stub->ListMetrics(Context().get(), v1::ListMetricsRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("still starting"));

  // Attached while two calls wait: both are answered.
  v1::EngineResponse reply;
  reply.mutable_list_metrics()->add_metrics()->set_name("revenue");
  engine_.next = reply;
  std::thread attach([&] {
    absl::SleepFor(absl::Milliseconds(200));
    service.AttachEngine(&engine_);
  });
  std::vector<std::thread> callers;
  std::atomic<int> answered{0};
  for (int i = 0; i < 2; ++i) {
    callers.emplace_back([&] {
      v1::ListMetricsResponse answer;
      if (stub->ListMetrics(Context().get(), v1::ListMetricsRequest(), &answer)
              .ok() &&
          answer.metrics_size() == 1) {
        ++answered;
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  attach.join();
  EXPECT_EQ(answered, 2);
  server->Shutdown();
}

TEST_F(WorkerServiceTest, WatchersLearnTheEngineManifestWhileItServes) {
  engine_.SetManifest("sha-1");
  service_->PublishManifest(true);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  auto reader = stub_->WatchManifest(&context, v1::WatchManifestRequest());
  v1::ManifestState state;
  ASSERT_TRUE(reader->Read(&state));
  EXPECT_EQ(state.manifest_sha256(), "sha-1");
  // Every state carries the worker's row cap (--max-rows), which the
  // gateway's `limit` schema follows, and its default limit, which the
  // gateway bounds by its tenant's.
  EXPECT_EQ(state.max_rows(), 3);
  EXPECT_EQ(state.default_limit(), 100);
  // Not serving (restarting): the manifest it will load is unknown.
  service_->PublishManifest(false);
  ASSERT_TRUE(reader->Read(&state));
  EXPECT_EQ(state.manifest_sha256(), "");
  EXPECT_EQ(state.max_rows(), 3);
  engine_.SetManifest("sha-2");
  service_->PublishManifest(true);
  ASSERT_TRUE(reader->Read(&state));
  EXPECT_EQ(state.manifest_sha256(), "sha-2");
  service_->EndWatches();
  EXPECT_FALSE(reader->Read(&state));
  EXPECT_TRUE(reader->Finish().ok());
}

// Each call waiting on the engine parks a thread; past the process's cap
// the worker answers RESOURCE_EXHAUSTED with a retry hint at once instead of
// starting one thread more.
TEST_F(WorkerServiceTest, CallsPastTheThreadCapAreRefusedNotParked) {
  engine_.hang = true;
  const int cap = ThreadCache::Shared().max_threads();
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::ListDimensionValuesResponse> responses(cap);
  std::atomic<int> finished{0};
  v1::ListDimensionValuesRequest request;
  request.set_dimension("customer__country");
  request.add_metrics("transactions");
  for (int i = 0; i < cap; ++i) {
    contexts.push_back(Context());
    stub_->async()->ListDimensionValues(contexts.back().get(), &request,
                                        &responses[i],
                                        [&](grpc::Status) { ++finished; });
  }
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (engine_.calls < cap && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(engine_.calls, cap);
  v1::ListDimensionValuesResponse response;
  absl::Time start = absl::Now();
  grpc::Status refused =
      stub_->ListDimensionValues(Context().get(), request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("retry"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(engine_.calls, cap);  // It never reached the engine.
  for (auto& context : contexts) context->TryCancel();
  while (finished < cap && absl::Now() < deadline + absl::Seconds(20)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(finished, cap);
}

// What the engine says about a failed start leaves the worker redacted and
// without the host's install paths.
TEST_F(WorkerServiceTest, EngineStartFailuresAreRedactedForCallers) {
  engine_.next = absl::UnavailableError(
      "the engine cannot start: connect(password=hunter2) in "
      "/srv/x/.venv/lib/python3.11/site-packages/dbt/adapters/base.py");
  v1::ListDimensionValuesRequest request;
  request.set_dimension("customer__country");
  request.add_metrics("transactions");
  v1::ListDimensionValuesResponse response;
  grpc::Status status =
      stub_->ListDimensionValues(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("dbt/adapters/base.py"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(status.error_message(), Not(HasSubstr("site-packages")));
}

}  // namespace
}  // namespace mfgate::service
