#include "gateway/transport/mcp_headers.h"

#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"

namespace mfgate::transport {
namespace {

using json = nlohmann::json;

mcp::Message Request(const std::string& method, json params) {
  mcp::Message message;
  message.kind = mcp::Message::Kind::kRequest;
  message.id = 7;
  message.method = method;
  params["_meta"] = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"}};
  message.params = params;
  return message;
}

// Headers by lower-cased name, as HTTP compares them.
std::optional<json> Check(const mcp::Message& request,
                          std::map<std::string, std::string> given) {
  std::map<std::string, std::string> lower;
  for (auto& [name, value] : given) lower[absl::AsciiStrToLower(name)] = value;
  HeaderSource headers{[&lower](const char* name) {
                         return lower.count(absl::AsciiStrToLower(name)) > 0;
                       },
                       [&lower](const char* name) {
                         auto found = lower.find(absl::AsciiStrToLower(name));
                         return found == lower.end() ? std::string()
                                                     : found->second;
                       }};
  return CheckModernHeaders(request, headers);
}

int CodeOf(const std::optional<json>& error) {
  return error.has_value() ? (*error)["error"]["code"].get<int>() : 0;
}

TEST(McpHeadersTest, MatchingHeadersPass) {
  mcp::Message call = Request("tools/call", {{"name", "query"}});
  EXPECT_FALSE(Check(call, {{"MCP-Protocol-Version", "2026-07-28"},
                            {"mcp-method", "tools/call"},
                            {"MCP-NAME", "  query  "}})
                   .has_value());
  // The Base64 sentinel form of the name.
  EXPECT_FALSE(Check(call, {{"MCP-Protocol-Version", "2026-07-28"},
                            {"Mcp-Method", "tools/call"},
                            {"Mcp-Name", "=?base64?cXVlcnk=?="}})
                   .has_value());
}

TEST(McpHeadersTest, TaskMethodsNameTheirTask) {
  for (const char* method : {"tasks/get", "tasks/update", "tasks/cancel"}) {
    mcp::Message poll = Request(method, {{"taskId", "t1"}});
    std::map<std::string, std::string> headers = {
        {"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", method}};
    EXPECT_EQ(CodeOf(Check(poll, headers)), mcp::kHeaderMismatch) << method;
    headers["Mcp-Name"] = "t2";
    EXPECT_EQ(CodeOf(Check(poll, headers)), mcp::kHeaderMismatch) << method;
    headers["Mcp-Name"] = "t1";
    EXPECT_FALSE(Check(poll, headers).has_value()) << method;
  }
}

TEST(McpHeadersTest, MissingOrDifferentHeadersAreHeaderMismatch) {
  mcp::Message call = Request("tools/call", {{"name", "query"}});
  const std::map<std::string, std::string> good = {
      {"MCP-Protocol-Version", "2026-07-28"},
      {"Mcp-Method", "tools/call"},
      {"Mcp-Name", "query"}};
  for (const char* missing :
       {"MCP-Protocol-Version", "Mcp-Method", "Mcp-Name"}) {
    auto headers = good;
    headers.erase(missing);
    std::optional<json> error = Check(call, headers);
    EXPECT_EQ(CodeOf(error), mcp::kHeaderMismatch) << missing;
    EXPECT_EQ((*error)["id"], 7);
  }
  for (auto [name, value] : std::map<std::string, std::string>{
           {"MCP-Protocol-Version", "2025-11-25"},
           {"Mcp-Method", "TOOLS/CALL"},
           {"Mcp-Name", "other"},
           {"Mcp-Name", "=?base64?!!?="},
           {"Mcp-Name", "qu\x01ery"}}) {
    auto headers = good;
    headers[name] = value;
    EXPECT_EQ(CodeOf(Check(call, headers)), mcp::kHeaderMismatch)
        << name << ": " << value;
  }
}

TEST(McpHeadersTest, StatusOfModernErrors) {
  EXPECT_EQ(ModernHttpStatus(R"({"id":1,"jsonrpc":"2.0","result":{}})"), 200);
  EXPECT_EQ(
      ModernHttpStatus(
          R"({"error":{"code":-32601,"message":"m"},"id":1,"jsonrpc":"2.0"})"),
      404);
  for (int code : {-32020, -32021, -32022}) {
    EXPECT_EQ(ModernHttpStatus(json{{"error", {{"code", code}}}}.dump()), 400);
  }
  EXPECT_EQ(ModernHttpStatus(R"({"error":{"code":-32602}})"), 200);
  EXPECT_EQ(ModernHttpStatus(R"({"error":)"), 200);
}

}  // namespace
}  // namespace mfgate::transport
