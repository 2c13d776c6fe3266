#include "gateway/observe/observed_tools.h"

#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "gateway/mcp/fake_tools.h"
#include "gtest/gtest.h"

namespace mfgate::observe {
namespace {

TEST(ObservedToolsTest, EachCallIsAuditedAndCounted) {
  mcp::FakeTools fake;
  MetricsRegistry registry;
  DefineToolMetrics(&registry);
  ObservedTools tools(&fake, "acme", &registry);
  mcp::ToolCallContext context;

  FILE* file = tmpfile();
  int saved = dup(STDERR_FILENO);
  dup2(fileno(file), STDERR_FILENO);
  SetLogFormat(LogFormat::kJson);
  nlohmann::json result = tools
                              .CallTool("echo",
                                        {{"metrics", {"revenue", 7}},
                                         {"rows", {{1, "secret"}, {2, "x"}}}},
                                        context)
                              .ToJson();
  SetLogFormat(LogFormat::kText);
  dup2(saved, STDERR_FILENO);
  close(saved);
  rewind(file);
  char buffer[4096] = {};
  size_t n = fread(buffer, 1, sizeof(buffer) - 1, file);
  fclose(file);

  EXPECT_FALSE(result.value("isError", false));  // Passed through unchanged.
  auto audit = nlohmann::json::parse(std::string(buffer, n));
  EXPECT_EQ(audit["event"], "tool_call");
  EXPECT_EQ(audit["tenant"], "acme");
  EXPECT_EQ(audit["tool"], "echo");
  EXPECT_EQ(audit["outcome"], "ok");
  EXPECT_EQ(audit["metrics"], nlohmann::json::array({"revenue"}));
  EXPECT_EQ(audit["rows"], 2);
  EXPECT_EQ(tools.calls(), 1u);
  EXPECT_EQ(std::string(buffer, n).find("secret"), std::string::npos);
  const std::string text = registry.Render();
  EXPECT_NE(text.find("mfgate_tool_calls_total{tenant=\"acme\",tool=\"echo\","
                      "outcome=\"ok\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("mfgate_tool_call_seconds_count{tenant=\"acme\","
                      "tool=\"echo\"} 1"),
            std::string::npos);
}

TEST(ObservedToolsTest, ACancelledCallIsCountedAsCancelled) {
  mcp::FakeTools fake;
  MetricsRegistry registry;
  DefineToolMetrics(&registry);
  ObservedTools tools(&fake, "acme", &registry);
  mcp::CancellationToken token;
  token.Cancel();
  mcp::ToolCallContext context;
  context.cancellation = &token;
  context.report_progress = [](double, double, const std::string&) {};
  // `wait` returns an error result once cancelled.
  EXPECT_TRUE(
      tools.CallTool("wait", nlohmann::json::object(), context).is_error());
  const std::string text = registry.Render();
  EXPECT_NE(text.find("mfgate_tool_calls_total{tenant=\"acme\",tool=\"wait\","
                      "outcome=\"cancelled\"} 1"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace mfgate::observe
