// MetricFlowTools as a model meets it: refusals with the call corrected,
// results paged within the response budget, and what a tenant chose.
#include <set>
#include <string>

#include "gateway/tools/metricflow_tools.h"
#include "gateway/tools/metricflow_tools_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

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
  // Without a budget of its own, a call gets the tenant's, as the schema
  // says.
  json whole = Call("query", {{"metrics", {"many"}}});
  EXPECT_EQ(whole["structuredContent"]["budget"]["max_chars"], 16000);
  for (const json& tool : tools_->ListTools()) {
    const json& properties = tool["inputSchema"]["properties"];
    EXPECT_EQ(properties["max_response_chars"]["default"], 16000);
    if (tool["name"] == "query") {
      EXPECT_EQ(properties["limit"]["default"], 100);
    }
  }
}

// A query's next pages come from the answer its first page came from: the
// query runs once, however many pages are read; only the caller and call
// that got a cursor read its kept answer, and a cursor whose answer is not
// kept still gets its page (the query runs again).
TEST_F(MetricFlowToolsTest, NextPagesComeFromTheFirstPagesAnswer) {
  auto queries = [&] {
    absl::MutexLock lock(&worker_.mu);
    return worker_.queries;
  };
  const json query = {{"metrics", {"many"}}, {"max_response_chars", 2000}};
  json page = Call("query", query, "session-a");
  ASSERT_EQ(page["isError"], false) << page.dump();
  const std::string first_cursor = page["structuredContent"]["next_cursor"];
  size_t seen = 0, pages = 0;
  while (true) {
    const json& data = page["structuredContent"];
    for (const json& row : data["rows"]) {
      ASSERT_EQ(row[0], absl::StrCat("day ", seen));
      ASSERT_EQ(row[2], 1);  // The first query's answer, page after page.
      ++seen;
    }
    ASSERT_LT(++pages, 100u);
    if (!data.contains("next_cursor")) break;
    json next = query;
    next["cursor"] = data["next_cursor"];
    next["max_response_chars"] = 2000 + 500 * (pages % 2);  // Budgets vary.
    page = Call("query", next, "session-a");
    ASSERT_EQ(page["isError"], false) << page.dump();
  }
  EXPECT_EQ(seen, 300u);
  EXPECT_GT(pages, 2u);
  EXPECT_EQ(queries(), 1);

  // Another caller with the same cursor: the query runs for it.
  json next = query;
  next["cursor"] = first_cursor;
  json other = Call("query", next, "session-b");
  ASSERT_EQ(other["isError"], false) << other.dump();
  EXPECT_EQ(queries(), 2);
  EXPECT_EQ(other["structuredContent"]["rows"][0][2], 2);
  const size_t offset = other["structuredContent"]["offset"];
  EXPECT_EQ(other["structuredContent"]["rows"][0][0],
            absl::StrCat("day ", offset));
  // An answer not kept (a made-up id, a cursor of the older form).
  const std::string fingerprint =
      first_cursor.substr(first_cursor.find('.') + 1, 8);
  for (const std::string& cursor :
       {absl::StrCat("7.", fingerprint, ".0123456789abcdef"),
        absl::StrCat("7.", fingerprint)}) {
    next["cursor"] = cursor;
    const int before = queries();
    json again = Call("query", next, "session-a");
    ASSERT_EQ(again["isError"], false) << again.dump();
    EXPECT_EQ(queries(), before + 1);
    EXPECT_EQ(again["structuredContent"]["rows"][0][0], "day 7");
  }
}

TEST_F(MetricFlowToolsTest, ATenantChoosesItsToolsNamesAndBounds) {
  MetricFlowToolsOptions options;
  options.disabled = {"query"};
  options.naming = {Naming::kMfgate, Naming::kDbtMcp};
  options.max_rows = 50;
  options.default_budget_chars = 3000;
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
      const json& properties = tool["inputSchema"]["properties"];
      EXPECT_EQ(properties["limit"]["maximum"], 50);
      EXPECT_EQ(properties["limit"]["default"], 50);  // Below 100.
      EXPECT_EQ(properties["max_response_chars"]["default"], 3000);
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

}  // namespace
}  // namespace mfgate::tools
