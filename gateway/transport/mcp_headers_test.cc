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

TEST(McpHeadersTest, Base64MustBeCanonical) {
  mcp::Message call = Request("tools/call", {{"name", "query"}});
  // "query" is cXVlcnk= : without its padding, or with a character outside
  // the alphabet, the value is malformed.
  for (const char* value : {"=?base64?cXVlcnk?=", "=?base64?cXV!cnk=?="}) {
    EXPECT_EQ(CodeOf(Check(call, {{"MCP-Protocol-Version", "2026-07-28"},
                                  {"Mcp-Method", "tools/call"},
                                  {"Mcp-Name", value}})),
              mcp::kHeaderMismatch)
        << value;
  }
}

// A tool schema mirroring three parameters, one nested, into headers.
const json kRegionSchema = {
    {"type", "object"},
    {"properties",
     {{"region", {{"type", "string"}, {"x-mcp-header", "Region"}}},
      {"limit", {{"type", "integer"}, {"x-mcp-header", "Limit"}}},
      {"options",
       {{"type", "object"},
        {"properties",
         {{"dry", {{"type", "boolean"}, {"x-mcp-header", "Dry"}}}}}}},
      {"query", {{"type", "string"}}}}}};

std::optional<json> CheckParams(const json& arguments,
                                std::map<std::string, std::string> given) {
  mcp::Message call =
      Request("tools/call", {{"name", "sql"}, {"arguments", arguments}});
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
  return CheckParamHeaders(call, kRegionSchema, headers);
}

TEST(McpParamHeadersTest, MatchingParamHeadersPass) {
  json arguments = {{"region", "us-west1"},
                    {"limit", 42},
                    {"options", {{"dry", true}}},
                    {"query", "select 1"}};
  EXPECT_FALSE(CheckParams(arguments, {{"Mcp-Param-Region", " us-west1 "},
                                       {"mcp-param-limit", "42.0"},
                                       {"MCP-PARAM-DRY", "true"}})
                   .has_value());
  // Base64 for what a plain value cannot carry; literal without the
  // sentinel's both ends.
  EXPECT_FALSE(
      CheckParams({{"region", "Hello, \xe4\xb8\x96\xe7\x95\x8c"}},
                  {{"Mcp-Param-Region", "=?base64?SGVsbG8sIOS4lueVjA==?="}})
          .has_value());
  EXPECT_FALSE(CheckParams({{"region", "=?base64?SGVsbG8="}},
                           {{"Mcp-Param-Region", "=?base64?SGVsbG8="}})
                   .has_value());
  // No value (absent or null): no header expected.
  EXPECT_FALSE(CheckParams({{"query", "q"}, {"region", nullptr}}, {}));
}

TEST(McpParamHeadersTest, MissingMalformedOrDifferentAreHeaderMismatch) {
  const json arguments = {{"region", "Hello"}, {"limit", 7}};
  const std::map<std::string, std::string> good = {
      {"Mcp-Param-Region", "Hello"}, {"Mcp-Param-Limit", "7"}};
  EXPECT_FALSE(CheckParams(arguments, good).has_value());
  for (const char* missing : {"Mcp-Param-Region", "Mcp-Param-Limit"}) {
    auto headers = good;
    headers.erase(missing);
    EXPECT_EQ(CodeOf(CheckParams(arguments, headers)), mcp::kHeaderMismatch)
        << missing;
  }
  for (auto [name, value] : std::map<std::string, std::string>{
           {"Mcp-Param-Region", "=?base64?SGVsbG8?="},
           {"Mcp-Param-Region", "=?base64?SGVs!!!bG8=?="},
           {"Mcp-Param-Region", "Hell\x01o"},
           {"Mcp-Param-Region", "hello"},
           {"Mcp-Param-Limit", "8"},
           {"Mcp-Param-Limit", "seven"}}) {
    auto headers = good;
    headers[name] = value;
    EXPECT_EQ(CodeOf(CheckParams(arguments, headers)), mcp::kHeaderMismatch)
        << name << ": " << value;
  }
  // A header for a value the body does not carry disagrees with it.
  EXPECT_EQ(
      CodeOf(CheckParams({{"region", "Hello"}}, {{"Mcp-Param-Region", "Hello"},
                                                 {"Mcp-Param-Limit", "7"}})),
      mcp::kHeaderMismatch);
}

TEST(McpParamHeadersTest, DeclarationsFollowTheSchemaRules) {
  EXPECT_TRUE(HeaderParams(kRegionSchema).ok());
  EXPECT_EQ(HeaderParams(kRegionSchema)->size(), 3);
  EXPECT_TRUE(HeaderParams({{"type", "object"}})->empty());
  auto with = [](json property) {
    return json{{"type", "object"},
                {"properties",
                 {{"a", {{"type", "string"}, {"x-mcp-header", "A"}}},
                  {"b", property}}}};
  };
  for (const json& bad : {
           with({{"type", "string"}, {"x-mcp-header", ""}}),
           with({{"type", "string"}, {"x-mcp-header", "B C"}}),
           with({{"type", "string"}, {"x-mcp-header", "a"}}),  // not unique
           with({{"type", "number"}, {"x-mcp-header", "B"}}),
           with({{"type", "array"}, {"x-mcp-header", "B"}}),
           with({{"type", "string"}, {"x-mcp-header", 3}}),
           with({{"type", "array"},
                 {"items", {{"type", "string"}, {"x-mcp-header", "B"}}}}),
           with({{"anyOf", {{{"type", "string"}, {"x-mcp-header", "B"}}}}}),
       }) {
    EXPECT_FALSE(HeaderParams(bad).ok()) << bad.dump();
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
