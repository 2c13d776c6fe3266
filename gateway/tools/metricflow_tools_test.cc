#include "gateway/tools/metricflow_tools.h"

#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_join.h"
#include "common/field_error.h"
#include "common/grpc_status.h"
#include "common/manifest_headers.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

// A worker that records requests; `transaction` is unknown; `slow` waits for
// the client to cancel.
class FakeWorker final : public v1::Worker::Service {
 public:
  grpc::Status Query(grpc::ServerContext* context,
                     const v1::QueryRequest* request,
                     v1::QueryResponse* response) override {
    last_query = *request;
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
      for (int i = 0; i < 300; ++i) {
        v1::Row* row = response->add_rows();
        row->add_values()->set_string_value(absl::StrCat("day ", i));
        row->add_values()->set_int_value(i);
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
    while (!context->IsCancelled()) {
      {
        absl::MutexLock lock(&mu);
        if (!watchable)
          return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "older");
        if (manifest != sent) {
          sent = manifest;
          v1::ManifestState state;
          state.set_manifest_sha256(sent);
          writer->Write(state);
        }
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    return grpc::Status::CANCELLED;
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
  // ListMetrics answers UNAVAILABLE this many times first.
  int unavailable ABSL_GUARDED_BY(mu) = 0;
  bool unavailable_from_worker ABSL_GUARDED_BY(mu) = false;
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

  json Call(const std::string& name, const json& arguments) {
    mcp::CancellationToken token;
    mcp::ToolCallContext context;
    context.cancellation = &token;
    return tools_->CallTool(name, arguments, context).ToJson();
  }

  FakeWorker worker_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricFlowTools> tools_;
};

TEST_F(MetricFlowToolsTest, ListsNineToolsAndAcceptsAliases) {
  EXPECT_EQ(tools_->ListTools().size(), 9u);
  EXPECT_TRUE(tools_->HasTool("list_metrics_tool"));
  EXPECT_FALSE(tools_->HasTool("list_metrics_tool_"));
  EXPECT_EQ(
      Call("list_metrics_tool",
           {{"search", "rev"}})["structuredContent"]["metrics"][0]["name"],
      "search=rev");
}

TEST_F(MetricFlowToolsTest, OnlyMetadataToolsAreBrief) {
  EXPECT_TRUE(tools_->BriefAndQuiet("list_metrics"));
  EXPECT_TRUE(tools_->BriefAndQuiet("list_dimensions_tool"));  // An alias.
  EXPECT_TRUE(tools_->BriefAndQuiet("list_saved_queries"));
  EXPECT_FALSE(tools_->BriefAndQuiet("query"));  // May run for minutes.
  EXPECT_FALSE(tools_->BriefAndQuiet("list_dimension_values"));
  EXPECT_FALSE(tools_->BriefAndQuiet("no_such_tool"));
}

std::string FirstMetric(const json& result) {
  return result["structuredContent"]["metrics"][0]["name"];
}

TEST_F(MetricFlowToolsTest, MetadataResultsAreKeptUntilTheManifestChanges) {
  {
    absl::MutexLock lock(&worker_.mu);
    worker_.manifest = "m1";
  }
  const json first = Call("list_metrics", {{"search", "rev"}});
  EXPECT_EQ(FirstMetric(first), "search=rev manifest=m1");
  EXPECT_EQ(Call("list_metrics", {{"search", "rev"}}), first);
  {  // Kept answers are served serialized, spliced into the response as is.
    mcp::CancellationToken token;
    mcp::ToolCallContext context;
    context.cancellation = &token;
    mcp::ToolResult kept =
        tools_->CallTool("list_metrics", {{"search", "rev"}}, context);
    EXPECT_TRUE(kept.serialized());
    EXPECT_FALSE(kept.is_error());
  }
  EXPECT_EQ(FirstMetric(Call("list_metrics", {{"search", "cost"}})),
            "search=cost manifest=m1");
  {
    absl::MutexLock lock(&worker_.mu);
    EXPECT_EQ(worker_.full_answers, 2);
    EXPECT_EQ(worker_.not_modified, 2);
    worker_.manifest = "m2";
  }
  EXPECT_EQ(FirstMetric(Call("list_metrics", {{"search", "rev"}})),
            "search=rev manifest=m2");
  EXPECT_EQ(FirstMetric(Call("list_metrics", {{"search", "rev"}})),
            "search=rev manifest=m2");
  absl::MutexLock lock(&worker_.mu);
  EXPECT_EQ(worker_.full_answers, 3);
  EXPECT_EQ(worker_.not_modified, 3);
}

TEST_F(MetricFlowToolsTest, KeptResultsNeedNoCallWhileTheWorkerConfirmsThem) {
  {
    absl::MutexLock lock(&worker_.mu);
    worker_.manifest = "m1";
    worker_.watchable = true;
  }
  tools_ = std::make_unique<MetricFlowTools>(
      v1::Worker::NewStub(server_->InProcessChannel({})),
      MetricFlowToolsOptions());
  auto calls = [this] {
    absl::MutexLock lock(&worker_.mu);
    return worker_.list_calls;
  };
  const json first = Call("list_metrics", {{"search", "rev"}});
  EXPECT_EQ(FirstMetric(first), "search=rev manifest=m1");
  // Once the watch has heard "m1", repeats are answered by the gateway.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  int before = calls();
  while (absl::Now() < deadline) {
    before = calls();
    EXPECT_EQ(Call("list_metrics", {{"search", "rev"}}), first);
    if (calls() == before) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Call("list_metrics", {{"search", "rev"}}), first);
  }
  EXPECT_EQ(calls(), before);
  // Another request was never kept: it reaches the worker.
  EXPECT_EQ(FirstMetric(Call("list_metrics", {{"search", "cost"}})),
            "search=cost manifest=m1");
  EXPECT_EQ(calls(), before + 1);
  // A new manifest: once the watch hears it, the kept result is asked again.
  {
    absl::MutexLock lock(&worker_.mu);
    worker_.manifest = "m2";
  }
  const absl::Time second_deadline = absl::Now() + absl::Seconds(10);
  std::string answer;
  while (absl::Now() < second_deadline) {
    answer = FirstMetric(Call("list_metrics", {{"search", "rev"}}));
    if (answer == "search=rev manifest=m2") break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(answer, "search=rev manifest=m2");
}

TEST_F(MetricFlowToolsTest, ACallTheConnectionDroppedIsSentOnceMore) {
  auto attempts = [this](int unavailable, bool from_worker) {
    {
      absl::MutexLock lock(&worker_.mu);
      worker_.unavailable = unavailable;
      worker_.unavailable_from_worker = from_worker;
      worker_.list_calls = 0;
    }
    const bool ok =
        !Call("list_metrics", json::object()).value("isError", false);
    absl::MutexLock lock(&worker_.mu);
    return std::make_pair(ok, worker_.list_calls);
  };
  EXPECT_EQ(attempts(1, false), std::make_pair(true, 2));
  EXPECT_EQ(attempts(2, false), std::make_pair(false, 2));  // Once only.
  // The worker's own "unavailable" (its engine restarting) is its answer.
  EXPECT_EQ(attempts(1, true), std::make_pair(false, 1));
}

TEST_F(MetricFlowToolsTest, NotModifiedWithoutAKeptAnswerIsAnError) {
  {
    absl::MutexLock lock(&worker_.mu);
    worker_.manifest = "m1";
    worker_.always_not_modified = true;
  }
  const json result = Call("list_metrics", json::object());
  EXPECT_EQ(result["isError"], true);
  EXPECT_THAT(result["content"][0]["text"].get<std::string>(),
              HasSubstr("not modified"));
}

TEST_F(MetricFlowToolsTest, QueryReachesTheWorkerAndRowsComeBack) {
  json result = Call(
      "query", {{"metrics", {"transactions"}}, {"group_by", {"metric_time"}}});
  EXPECT_EQ(result["isError"], false);
  EXPECT_EQ(result["structuredContent"]["rows"][0][0], 42);
  EXPECT_EQ(worker_.last_query.group_by(0), "metric_time");
  EXPECT_FALSE(worker_.last_query.compile_only());
  Call("compile_sql", {{"metrics", {"transactions"}}});
  EXPECT_TRUE(worker_.last_query.compile_only());
}

TEST_F(MetricFlowToolsTest, WorkerErrorsBecomeToolErrorsWithSuggestions) {
  json result = Call("query", {{"metrics", {"transaction"}}});
  EXPECT_EQ(result["isError"], true);
  EXPECT_THAT(result["content"][0]["text"].get<std::string>(),
              HasSubstr("Did you mean: transactions?"));
}

TEST_F(MetricFlowToolsTest, BadArgumentsNeverReachTheWorker) {
  json result = Call("query", {{"metrics", {"x"}}, {"limit", "ten"}});
  EXPECT_EQ(result["isError"], true);
  EXPECT_THAT(result["content"][0]["text"].get<std::string>(),
              HasSubstr("limit"));
  EXPECT_EQ(worker_.last_query.metrics_size(), 0);
}

TEST_F(MetricFlowToolsTest, CancellingTheTokenCancelsTheRpc) {
  mcp::CancellationToken token;
  mcp::ToolCallContext context;
  context.cancellation = &token;
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(100));
    token.Cancel();
  });
  json result =
      tools_->CallTool("query", {{"metrics", {"slow"}}}, context).ToJson();
  canceller.join();
  EXPECT_EQ(result["isError"], true);
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!worker_.saw_cancel && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(5));
  EXPECT_TRUE(worker_.saw_cancel);
}

TEST_F(MetricFlowToolsTest, RefusalsShowTheCallCorrected) {
  std::string text =
      Call("query_metrics",
           {{"metrics", {"x"}}, {"limit", "ten"}})["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("limit: expected an integer, got string"));
  EXPECT_THAT(text, HasSubstr("Example (query_metrics): "
                              "{\"limit\":100,\"metrics\":[\"x\"]}"));
  // The worker's error, named as the caller wrote it, and corrected with
  // MetricFlow's suggestion.
  text = Call("query", {{"metrics", {"transaction"}}})["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("Example (query): "
                              "{\"metrics\":[\"transactions\"]}"));
}

TEST_F(MetricFlowToolsTest, LongResultsArePagedWithinTheBudget) {
  const json query = {{"metrics", {"many"}}, {"max_response_chars", 2000}};
  json first = Call("query", query);
  const json& data = first["structuredContent"];
  ASSERT_EQ(first["isError"], false) << first.dump();
  EXPECT_EQ(data["truncated"], true);
  EXPECT_EQ(data["total"], 300);
  EXPECT_LE(data["budget"]["used_chars"].get<long long>(), 2000);
  const size_t shown = data["rows"].size();
  json next = query;
  next["cursor"] = data["next_cursor"];
  json second = Call("query", next);
  ASSERT_EQ(second["isError"], false) << second.dump();
  EXPECT_EQ(second["structuredContent"]["rows"][0][0],
            absl::StrCat("day ", shown));
  // A cursor is for the call that gave it.
  json other = {{"metrics", {"many", "more"}}, {"cursor", data["next_cursor"]}};
  std::string text = Call("query", other)["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("cursor: belongs to a call with other"));
  EXPECT_THAT(text, HasSubstr("Example (query): "
                              "{\"metrics\":[\"many\",\"more\"]}"));
  // Without a budget of its own, a call gets the tenant's.
  json whole = Call("query", {{"metrics", {"many"}}});
  EXPECT_EQ(whole["structuredContent"]["budget"]["max_chars"], 16000);
}

TEST_F(MetricFlowToolsTest, ATenantChoosesItsToolsNamesAndBounds) {
  MetricFlowToolsOptions options;
  options.disabled = {"query"};
  options.naming = {Naming::kMfgate, Naming::kDbtMcp};
  options.max_rows = 50;
  MetricFlowTools tools(v1::Worker::NewStub(server_->InProcessChannel({})),
                        options);
  std::set<std::string> listed;
  for (const json& tool : tools.ListTools()) listed.insert(tool["name"]);
  EXPECT_EQ(listed,
            (std::set<std::string>{
                "compile_sql", "get_metrics_compiled_sql", "list_metrics",
                "list_dimensions", "get_dimensions", "list_entities",
                "get_entities", "list_dimension_values", "get_dimension_values",
                "list_saved_queries", "validate_configs", "health_checks"}));
  EXPECT_FALSE(tools.HasTool("query"));
  EXPECT_FALSE(tools.HasTool("query_metrics"));  // Off by any name.
  EXPECT_FALSE(tools.HasTool("query_tool"));
  EXPECT_TRUE(tools.HasTool("get_dimensions"));
  for (const json& tool : tools.ListTools()) {
    if (tool["name"] == "compile_sql") {
      EXPECT_EQ(tool["inputSchema"]["properties"]["limit"]["maximum"], 50);
    }
  }
  mcp::CancellationToken token;
  mcp::ToolCallContext context;
  context.cancellation = &token;
  std::string text =
      tools
          .CallTool("compile_sql",
                    {{"metrics", {"transactions"}}, {"limit", 60}}, context)
          .ToJson()["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("limit: at most 50"));
}

TEST(MetricFlowToolsUnavailableTest, DeadWorkerIsAClearErrorWithinTheDeadline) {
  MetricFlowToolsOptions options;
  options.list_timeout = absl::Milliseconds(300);
  MetricFlowTools tools(
      v1::Worker::NewStub(grpc::CreateChannel(
          "unix:/nonexistent/mfgate.sock", grpc::InsecureChannelCredentials())),
      options);
  mcp::CancellationToken token;
  mcp::ToolCallContext context;
  context.cancellation = &token;
  json result =
      tools.CallTool("list_metrics", json::object(), context).ToJson();
  EXPECT_EQ(result["isError"], true);
  EXPECT_THAT(result["content"][0]["text"].get<std::string>(),
              HasSubstr("timed out"));
}

}  // namespace
}  // namespace mfgate::tools
