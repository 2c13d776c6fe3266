// The stateless stage (stateless.h) in a Session: modern requests served
// from their own _meta beside a session of the older revisions.
#include <string>
#include <vector>

#include "gateway/mcp/request_state.h"
#include "gateway/mcp/session.h"
#include "gateway/mcp/session_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

json Meta(const std::string& version = "2026-07-28") {
  return {{kMetaProtocolVersion, version},
          {kMetaClientCapabilities, json::object()}};
}

TEST_F(SessionTest, ModernRequestIsServedWithoutInitialize) {
  json listed = Call(Request(1, "tools/list", {{"_meta", Meta()}}));
  ASSERT_TRUE(listed.contains("result")) << listed;
  EXPECT_EQ(listed["result"]["tools"].size(), 2u);
  EXPECT_EQ(listed["result"]["resultType"], "complete");
  EXPECT_EQ(listed["result"]["ttlMs"], kCacheTtlMs);
  EXPECT_EQ(listed["result"]["cacheScope"], "private");
  // It established no session: an older request still needs initialize.
  EXPECT_TRUE(session_->protocol_version().empty());
  EXPECT_EQ(Call(Request(2, "tools/list"))["error"]["code"], kInvalidRequest);
}

TEST(CachingHintsTest, ScopeFollowsWhetherEveryCallerSeesTheSame) {
  for (bool shared : {false, true}) {
    for (const char* method :
         {"server/discover", "tools/list", "resources/list",
          "resources/templates/list", "prompts/list", "resources/read"}) {
      json result = {{"x", 1}};
      DecorateModernResult(method, shared, &result);
      EXPECT_EQ(result["ttlMs"], kCacheTtlMs) << method;
      EXPECT_GT(result["ttlMs"].get<int>(), 0) << method;
      EXPECT_EQ(result["cacheScope"], shared ? "public" : "private") << method;
    }
    // Not cacheable: tool results, and the interim answer of a multi-round
    // request.
    json called = json::object();
    DecorateModernResult("tools/call", shared, &called);
    EXPECT_FALSE(called.contains("ttlMs"));
    json interim = {{"resultType", "input_required"}};
    DecorateModernResult("resources/read", shared, &interim);
    EXPECT_FALSE(interim.contains("ttlMs"));
    EXPECT_FALSE(interim.contains("cacheScope"));
  }
}

TEST_F(SessionTest, ModernToolResultCarriesResultType) {
  for (bool serialized : {false, true}) {
    tools_.serialize_echo = serialized;
    json id = serialized ? 11 : 10;
    json called =
        Call(Request(id, "tools/call", {{"name", "echo"}, {"_meta", Meta()}}));
    ASSERT_TRUE(called.contains("result")) << called;
    EXPECT_EQ(called["result"]["resultType"], "complete");
    EXPECT_EQ(called["result"]["content"][0]["text"], "echo");
  }
}

TEST_F(SessionTest, ModernRequestWithoutItsMetaIsInvalidParams) {
  json no_meta = Call(Request(1, "server/discover", json::object()));
  EXPECT_EQ(no_meta["error"]["code"], kInvalidParams);
  json no_capabilities = Call(Request(
      2, "tools/list", {{"_meta", {{kMetaProtocolVersion, "2026-07-28"}}}}));
  EXPECT_EQ(no_capabilities["error"]["code"], kInvalidParams);
  EXPECT_THAT(no_capabilities["error"]["message"].get<std::string>(),
              HasSubstr(kMetaClientCapabilities));
}

TEST_F(SessionTest, UnsupportedModernVersionListsTheSupportedOnes) {
  json refused =
      Call(Request(1, "server/discover", {{"_meta", Meta("2099-01-01")}}));
  EXPECT_EQ(refused["error"]["code"], kUnsupportedProtocolVersion);
  EXPECT_EQ(refused["error"]["data"]["requested"], "2099-01-01");
  EXPECT_EQ(refused["error"]["data"]["supported"],
            json({"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26",
                  "2024-11-05"}));
}

TEST_F(SessionTest, MethodsTheModernRevisionRemovedAreNotFound) {
  for (const char* method : {"initialize", "ping", "logging/setLevel",
                             "resources/subscribe", "unknown/method"}) {
    json refused = Call(Request(method, method, {{"_meta", Meta()}}));
    EXPECT_EQ(refused["error"]["code"], kMethodNotFound) << method;
  }
  // A modern initialize does not start a session.
  EXPECT_TRUE(session_->protocol_version().empty());
}

TEST_F(SessionTest, DiscoverNamesTheServerItsCapabilitiesAndVersions) {
  json discovered = Call(Request(1, "server/discover", {{"_meta", Meta()}}));
  const json& result = discovered["result"];
  EXPECT_EQ(result["supportedVersions"][0], "2026-07-28");
  EXPECT_TRUE(result["capabilities"].contains("tools"));
  EXPECT_TRUE(result["capabilities"].contains("completions"));
  EXPECT_EQ(result["_meta"][kMetaServerInfo]["name"], "mfgate");
  EXPECT_EQ(result["_meta"][kMetaServerInfo]["version"], "9.9");
  EXPECT_EQ(result["resultType"], "complete");
}

TEST_F(SessionTest, ACallNeedingAnUndeclaredCapabilityIsRefused) {
  json refused =
      Call(Request(1, "tools/call",
                   {{"name", "echo"},
                    {"arguments", {{"ask", "sampling/createMessage"}}},
                    {"_meta", Meta()}}));
  EXPECT_EQ(refused["error"]["code"], kMissingClientCapability) << refused;
  EXPECT_EQ(refused["error"]["data"]["requiredCapabilities"],
            json({{"sampling", json::object()}}));
  // Declared, it is still never asked on the response stream: the modern
  // revision sends a client no requests.
  json meta = Meta();
  meta[kMetaClientCapabilities] = {{"sampling", json::object()}};
  json answered =
      Call(Request(2, "tools/call",
                   {{"name", "echo"},
                    {"arguments", {{"ask", "sampling/createMessage"}}},
                    {"_meta", meta}}));
  EXPECT_TRUE(answered["result"]["isError"].get<bool>()) << answered;
  for (const json& sent : Sent()) EXPECT_FALSE(sent.contains("method")) << sent;
}

TEST_F(SessionTest, ModernLogsOnlyAtTheLevelTheRequestAsked) {
  json quiet = Meta();
  json chatty = Meta();
  chatty[kMetaLogLevel] = "warning";
  session_->HandleText(
      Request(1, "tools/call", {{"name", "wait"}, {"_meta", quiet}}).dump());
  session_->HandleText(
      Request(2, "tools/call", {{"name", "wait"}, {"_meta", chatty}}).dump());
  // Each call's context is in place once HandleText returns.
  session_->Log("error", "to 1", 1);
  session_->Log("info", "to 2, below its level", 2);
  session_->Log("error", "to 2", 2);
  for (int id : {1, 2}) {
    session_->HandleText(json{{"jsonrpc", "2.0"},
                              {"method", "notifications/cancelled"},
                              {"params", {{"requestId", id}}}}
                             .dump());
  }
  session_->Close();
  std::vector<std::string> logged;
  for (const json& m : Sent()) {
    if (m.value("method", "") == "notifications/message")
      logged.push_back(m["params"]["data"]);
  }
  EXPECT_EQ(logged, std::vector<std::string>({"to 2"}));
  json meta = Meta();
  meta[kMetaLogLevel] = "bogus";
  EXPECT_EQ(Call(Request(3, "tools/list", {{"_meta", meta}}))["error"]["code"],
            kInvalidParams);
}

TEST(RequestStateSealTest, OpensWhatItSealedAndNothingAltered) {
  const RequestStateSeal& seal = RequestStateSeal::Shared();
  std::string sealed = seal.Seal({{"tool", "t"}, {"state", 3}});
  EXPECT_EQ((*seal.Open(sealed))["state"], 3);
  std::string altered = sealed;
  altered[2] = altered[2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(seal.Open(altered).ok());
  EXPECT_FALSE(RequestStateSeal().Open(sealed).ok());  // Another key.
  EXPECT_FALSE(seal.Open("no-dot").ok());
  EXPECT_FALSE(
      seal.Open(std::string(RequestStateSeal::kMaxSealedBytes + 1, 'a')).ok());
}

TEST_F(SessionTest, AModernCallAsksForInputByReturningAndIsRetried) {
  json meta = Meta();
  meta[kMetaClientCapabilities] = {{"elicitation", json::object()}};
  json params{{"name", "echo"},
              {"arguments", {{"need", "elicitation/create"}}},
              {"_meta", meta}};
  json first = Call(Request(1, "tools/call", params));
  ASSERT_EQ(first["result"]["resultType"], "input_required") << first;
  EXPECT_EQ(first["result"]["inputRequests"]["answer"]["method"],
            "elicitation/create");
  ASSERT_TRUE(first["result"]["requestState"].is_string());
  // The retry carries the answer and the state its first round kept.
  params["inputResponses"] = {{"answer", {{"action", "accept"}}}};
  params["requestState"] = first["result"]["requestState"];
  json second = Call(Request(2, "tools/call", params));
  EXPECT_EQ(second["result"]["resultType"], "complete") << second;
  EXPECT_EQ(second["result"]["structuredContent"]["answer"]["action"],
            "accept");
  EXPECT_EQ(second["result"]["structuredContent"]["state"], 1);
  // An altered state, or answers that are not an object, are refused.
  params["requestState"] =
      "x" + first["result"]["requestState"].get<std::string>();
  EXPECT_EQ(Call(Request(3, "tools/call", params))["error"]["code"],
            kInvalidParams);
  params.erase("requestState");
  params["inputResponses"] = nullptr;
  EXPECT_EQ(Call(Request(4, "tools/call", params))["error"]["code"],
            kInvalidParams);
  // Input through a capability the client did not declare: -32021.
  params.erase("inputResponses");
  params["arguments"]["need"] = "sampling/createMessage";
  EXPECT_EQ(Call(Request(5, "tools/call", params))["error"]["code"],
            kMissingClientCapability);
}

TEST_F(SessionTest, BothErasAtOnce) {
  Initialize("2025-11-25");
  json legacy = Call(Request(1, "tools/list"));
  EXPECT_FALSE(legacy["result"].contains("resultType"));
  json modern = Call(Request(2, "tools/list", {{"_meta", Meta()}}));
  EXPECT_EQ(modern["result"]["resultType"], "complete");
  EXPECT_EQ(session_->protocol_version(), "2025-11-25");
  // Removed in the modern revision, still there in the session's.
  EXPECT_TRUE(Call(Request(3, "ping")).contains("result"));
}

}  // namespace
}  // namespace mfgate::mcp
