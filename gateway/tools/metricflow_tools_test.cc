#include "gateway/tools/metricflow_tools.h"

#include <string>
#include <thread>
#include <vector>

#include "gateway/tools/metricflow_tools_fixture.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

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

TEST_F(MetricFlowToolsTest, OnlyQueryRunsAsATask) {
  EXPECT_TRUE(tools_->SupportsTasks("query"));
  EXPECT_TRUE(tools_->SupportsTasks("query_metrics"));  // Aliases.
  EXPECT_TRUE(tools_->SupportsTasks("query_tool"));
  EXPECT_FALSE(tools_->SupportsTasks("compile_sql"));
  EXPECT_FALSE(tools_->SupportsTasks("list_metrics"));
  EXPECT_FALSE(tools_->SupportsTasks("no_such_tool"));
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

// Each call names its session to the worker (kCallerHeader), so that the
// worker's engines are shared fairly among sessions. A call of no session
// names none.
TEST_F(MetricFlowToolsTest, CallsNameTheirSessionToTheWorker) {
  Call("query", {{"metrics", {"transactions"}}}, "session-a");
  Call("query", {{"metrics", {"transactions"}}}, "session-b");
  Call("query", {{"metrics", {"transactions"}}, {"limit", 3}}, "session-a");
  Call("list_metrics", {{"search", "x"}}, "session-b");
  Call("query", {{"metrics", {"transactions"}}});
  absl::MutexLock lock(&worker_.mu);
  EXPECT_EQ(worker_.callers,
            (std::vector<std::string>{"session-a", "session-b", "session-a",
                                      "session-b", ""}));
}

// The `limit` a query may ask for follows the worker's row cap as its
// manifest stream reports it: tools/list shows the smaller of the tenant's
// bound and the worker's, and a larger limit is refused naming it.
TEST_F(MetricFlowToolsTest, TheLimitFollowsTheWorkersRowCap) {
  auto limit_schema = [this] {
    for (const json& tool : tools_->ListTools()) {
      if (tool["name"] == "query")
        return tool["inputSchema"]["properties"]["limit"];
    }
    return json();
  };
  // Until the worker says, the tenant's bound.
  EXPECT_EQ(limit_schema()["maximum"], 10000);
  {
    absl::MutexLock lock(&worker_.mu);
    worker_.manifest = "m1";
    worker_.max_rows = 50;
    worker_.watchable = true;
  }
  tools_ = std::make_unique<MetricFlowTools>(
      v1::Worker::NewStub(server_->InProcessChannel({})),
      MetricFlowToolsOptions());
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (limit_schema()["maximum"] != 50 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(limit_schema()["maximum"], 50);
  EXPECT_EQ(limit_schema()["default"], 50);
  json refused = Call("query", {{"metrics", {"transactions"}}, {"limit", 51}});
  EXPECT_EQ(refused["isError"], true);
  EXPECT_THAT(refused["content"][0]["text"].get<std::string>(),
              HasSubstr("at most 50"));
  worker_.last_query.Clear();
  EXPECT_EQ(
      Call("query", {{"metrics", {"transactions"}}, {"limit", 50}})["isError"],
      false);
  EXPECT_EQ(worker_.last_query.limit(), 50);
  // A query that sets none, before the worker says its default limit, asks
  // for kDefaultRows bounded by the cap: never the worker's unknown default.
  Call("query", {{"metrics", {"transactions"}}});
  EXPECT_EQ(worker_.last_query.limit(), 50);
  // Once the worker says its default (above the tenant's bound), a query
  // that sets none asks for the bound; below it, for that default, and the
  // schema says it. Never for nothing (0): the worker's own default may
  // have changed since it last said (a restart with other flags, a
  // worker that no longer says it, which leaves the old figure here), and
  // would then decide a row count past the tenant's bound.
  {
    absl::MutexLock lock(&worker_.mu);
    worker_.max_rows = 100000;
    worker_.default_limit = 100000;
  }
  while (limit_schema()["default"] != 10000 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(limit_schema()["maximum"], 10000);
  EXPECT_EQ(limit_schema()["default"], 10000);
  Call("query", {{"metrics", {"transactions"}}});
  EXPECT_EQ(worker_.last_query.limit(), 10000);
  {
    absl::MutexLock lock(&worker_.mu);
    worker_.default_limit = 30;
  }
  while (limit_schema()["default"] != 30 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(limit_schema()["default"], 30);
  Call("query", {{"metrics", {"transactions"}}});
  EXPECT_EQ(worker_.last_query.limit(), 30);
  // A tenant bound below the worker's cap is the bound.
  MetricFlowToolsOptions tight;
  tight.max_rows = 20;
  tools_ = std::make_unique<MetricFlowTools>(
      v1::Worker::NewStub(server_->InProcessChannel({})), tight);
  EXPECT_EQ(limit_schema()["maximum"], 20);
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
