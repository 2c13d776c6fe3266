// The caller each HTTP session's worker calls name (caller_names.h), seen by
// a fake worker behind the real tools and transport.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/call_headers.h"
#include "gateway/auth/api_keys.h"
#include "gateway/tools/metricflow_tools_fixture.h"
#include "gateway/transport/http_transport.h"
#include "gateway/transport/test_client.h"
#include "gtest/gtest.h"

namespace mfgate::transport {
namespace {

using testing::Ask;

std::string Post(const std::string& body, const std::string& session) {
  std::string head =
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
      "application/json\r\nAccept: application/json, text/event-stream\r\n";
  if (!session.empty()) {
    absl::StrAppend(&head, "Mcp-Session-Id: ", session,
                    "\r\nMCP-Protocol-Version: 2025-06-18\r\n");
  }
  return absl::StrCat(head, "Content-Length: ", body.size(), "\r\n\r\n", body);
}

// The Mcp-Session-Id of an answer.
std::string SessionOf(const std::string& answer) {
  for (absl::string_view line : absl::StrSplit(answer, "\r\n")) {
    if (absl::StartsWithIgnoreCase(line, "Mcp-Session-Id: "))
      return std::string(line.substr(16));
  }
  return "";
}

class HttpCallersTest : public tools::MetricFlowToolsTest {};

TEST_F(HttpCallersTest, EachSessionAndEachStatelessClientIsOneCaller) {
  HttpOptions options;
  options.port = 0;
  options.default_tenant = "t";
  options.session_secret = std::string(32, 's');
  auth::ApiKeys no_keys{config::GatewayConfig()};
  tools::MetricFlowTools* tools = tools_.get();
  HttpTransport transport(
      options, &no_keys,
      [tools](const std::string&) { return mcp::Handlers{tools}; },
      mcp::SessionOptions(),
      [](const std::string&, nlohmann::json*) { return true; });
  ASSERT_TRUE(transport.Start().ok());
  const std::string initialize =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{)"
      R"("protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{}}})";
  const std::string a = SessionOf(Ask(transport.port(), Post(initialize, "")));
  const std::string b = SessionOf(Ask(transport.port(), Post(initialize, "")));
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  auto query = [&](const std::string& session, int limit) {
    const std::string answer = Ask(
        transport.port(),
        Post(absl::StrCat(
                 R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":)",
                 R"({"name":"query","arguments":{"metrics":["transactions"],)",
                 R"("limit":)", limit, "}}}"),
             session));
    EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.1 200")) << answer;
  };
  query(a, 1);
  query(b, 2);
  query(a, 3);
  // Two stateless (2026-07-28) calls of one client: no session, one name.
  for (int limit : {4, 5}) {
    const std::string body = absl::StrCat(
        R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":)",
        R"({"name":"query","arguments":{"metrics":["transactions"],)",
        R"("limit":)", limit, R"(},"_meta":{)",
        R"("io.modelcontextprotocol/protocolVersion":"2026-07-28",)",
        R"("io.modelcontextprotocol/clientCapabilities":{}}}})");
    const std::string answer = Ask(
        transport.port(),
        absl::StrCat("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     "application/json\r\nAccept: application/json, "
                     "text/event-stream\r\nMCP-Protocol-Version: "
                     "2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: "
                     "query\r\nContent-Length: ",
                     body.size(), "\r\n\r\n", body));
    EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.1 200")) << answer;
  }
  transport.Stop();
  absl::MutexLock lock(&worker_.mu);
  ASSERT_EQ(worker_.callers.size(), 5u);
  // A stateless client is a caller of its own: not a session's.
  EXPECT_EQ(worker_.callers[3], worker_.callers[4]);
  EXPECT_FALSE(worker_.callers[3].empty());
  EXPECT_NE(worker_.callers[3], worker_.callers[0]);
  EXPECT_NE(worker_.callers[3], worker_.callers[1]);
  const std::string& first = worker_.callers[0];
  EXPECT_FALSE(first.empty());
  EXPECT_LE(first.size(), kMaxCallerBytes);
  EXPECT_EQ(worker_.callers[2], first);  // Two calls of one session.
  EXPECT_NE(worker_.callers[1], first);  // Another session.
  EXPECT_FALSE(worker_.callers[1].empty());
  // Opaque: nothing of the session's id (a bearer credential) shows.
  for (const std::string& caller : worker_.callers) {
    EXPECT_EQ(a.find(caller), std::string::npos);
    EXPECT_EQ(caller.find(a.substr(0, 8)), std::string::npos);
  }
}

}  // namespace
}  // namespace mfgate::transport
