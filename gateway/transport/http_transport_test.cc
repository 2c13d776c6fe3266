#include "gateway/transport/http_transport.h"

#include <stdexcept>
#include <string>

#include "absl/strings/match.h"
#include "gateway/auth/api_keys.h"
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

}  // namespace
}  // namespace mfgate::transport
