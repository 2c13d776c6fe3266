#include "gateway/transport/http_transport.h"

#include <memory>
#include <stdexcept>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/auth/api_keys.h"
#include "gateway/mcp/fake_tools.h"
#include "gateway/mcp/stateless.h"
#include "gateway/mcp/tasks.h"
#include "gateway/transport/test_client.h"
#include "gtest/gtest.h"

namespace mfgate::transport {
namespace {

using testing::Ask;

constexpr char kInitialize[] =
    "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
    "application/json\r\nAccept: application/json, text/event-stream\r\n"
    "Content-Length: 122\r\n\r\n"
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{)"
    R"("protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{}}})";

// A failure inside the gateway (here: whatever serves a tenant throws) is a
// JSON-RPC error with a body, not cpp-httplib's empty 500 with the
// exception's text in a header; the server goes on.
TEST(HttpTransportTest, AnExceptionInAHandlerIsAJsonRpcInternalError) {
  HttpOptions options;
  options.port = 0;
  options.default_tenant = "t";
  auth::ApiKeys no_keys{config::GatewayConfig()};
  HttpTransport transport(
      options, &no_keys,
      [](const std::string&) -> mcp::Handlers {
        throw std::runtime_error("secret detail");
      },
      mcp::SessionOptions(),
      [](const std::string&, nlohmann::json*) { return true; });
  ASSERT_TRUE(transport.Start().ok());
  const std::string answer = Ask(transport.port(), kInitialize);
  EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.1 500")) << answer;
  EXPECT_TRUE(absl::StrContains(
      answer, R"({"error":{"code":-32603,"message":"Internal error"})"))
      << answer;
  EXPECT_FALSE(absl::StrContains(answer, "secret detail")) << answer;
  EXPECT_TRUE(absl::StartsWith(
      Ask(transport.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
      "HTTP/1.1 200"));
  // cpp-httplib's own answers (here: no such path) carry a body too.
  const std::string unknown =
      Ask(transport.port(), "GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(unknown, "HTTP/1.1 404")) << unknown;
  EXPECT_TRUE(absl::StrContains(unknown, R"("code":-32600)")) << unknown;
  transport.Stop();
}

// Draining cancels the tasks of stateless requests, which run apart from
// any session (no request could poll them any more), drops what ended, and
// returns once their calls have: the tools may go then.
TEST(HttpTransportTest, DrainCancelsRunningTasks) {
  mcp::FakeTools fake_tools;
  mcp::FakeTools* const tools = &fake_tools;
  auto tenant = std::make_shared<int>(0);
  HttpOptions options;
  options.port = 0;
  options.default_tenant = "t";
  auth::ApiKeys no_keys{config::GatewayConfig()};
  HttpTransport transport(
      options, &no_keys,
      [&tenant, tools](const std::string&) {
        return mcp::Handlers{tools, nullptr, nullptr, nullptr, tenant};
      },
      mcp::SessionOptions(),
      [](const std::string&, nlohmann::json*) { return true; });
  ASSERT_TRUE(transport.Start().ok());
  const nlohmann::json call = {
      {"jsonrpc", "2.0"},
      {"id", 1},
      {"method", "tools/call"},
      {"params",
       {{"name", "wait"},
        {"arguments", nlohmann::json::object()},
        {"_meta",
         {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
          {"io.modelcontextprotocol/clientCapabilities",
           {{"extensions",
             {{mcp::kTasksExtension, nlohmann::json::object()}}}}}}}}}};
  const std::string body = call.dump();
  const std::string answer =
      Ask(transport.port(),
          absl::StrCat("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/json\r\n"
                       "Accept: application/json, text/event-stream\r\n"
                       "MCP-Protocol-Version: 2026-07-28\r\n"
                       "Mcp-Method: tools/call\r\nMcp-Name: wait\r\n"
                       "Content-Length: ",
                       body.size(), "\r\n\r\n", body));
  const size_t json_start = answer.find("{");
  ASSERT_NE(json_start, std::string::npos) << answer;
  const nlohmann::json created =
      nlohmann::json::parse(answer.substr(json_start), nullptr, false);
  ASSERT_EQ(created["result"]["resultType"], "task") << answer;
  const std::string id = created["result"]["taskId"];

  transport.Drain(absl::Now());

  absl::StatusOr<mcp::TaskView> task =
      mcp::TaskStore::Shared().Get(mcp::TaskOwner{tenant, {}}, id);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->status, mcp::TaskStatus::kCancelled);
  // The call itself was cancelled, and had returned when Drain did.
  EXPECT_TRUE(mcp::TaskStore::Shared().AwaitCallsEnded(absl::Now()));
  EXPECT_TRUE(tools->saw_cancel);
}

}  // namespace
}  // namespace mfgate::transport
