// The session against hostile input: params of the wrong type, and handlers
// or tools that throw. Each is answered, and the session serves on.
#include <string>
#include <vector>

#include "gateway/mcp/session_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

class SessionInputTest : public SessionTest {
 protected:
  void ExpectStillServing(const json& id) {
    EXPECT_EQ(Call(Request(id, "ping"))["result"], json::object());
  }
};

// A completion/complete whose argument.value was a number threw inside the
// provider: over stdio the gateway aborted.
TEST_F(SessionInputTest, WrongTypesAreInvalidParamsNamingTheField) {
  Initialize();
  const json ref = {{"type", "ref/prompt"}, {"name", "explore_metric"}};
  const std::vector<std::pair<json, std::string>> cases = {
      {Request(
           1, "completion/complete",
           {{"ref", ref}, {"argument", {{"name", "metric"}, {"value", 5}}}}),
       "argument.value"},
      {Request(2, "completion/complete",
               {{"ref", {{"type", 1}}},
                {"argument", {{"name", "metric"}, {"value", ""}}}}),
       "ref.type"},
      {Request(3, "completion/complete", {{"ref", ref}}), "argument"},
      {Request(4, "tools/call",
               {{"name", "echo"}, {"_meta", {{"progressToken", 1.5}}}}),
       "_meta.progressToken"},
      {Request(5, "tools/list", {{"cursor", 7}}), "cursor"},
      {Request(6, "ping", {{"_meta", json::array()}}), "_meta"},
      {Request(7, "logging/setLevel", {{"level", true}}), "level"},
  };
  for (const auto& [request, field] : cases) {
    json reply = Call(request);
    EXPECT_EQ(reply["error"]["code"], kInvalidParams) << reply;
    EXPECT_THAT(reply["error"]["message"].get<std::string>(),
                HasSubstr("\"" + field + "\""))
        << reply;
  }
  ExpectStillServing(8);
  json completed = Call(
      Request(9, "completion/complete",
              {{"ref", ref}, {"argument", {{"name", "m"}, {"value", "x"}}}}));
  EXPECT_EQ(completed["result"]["completion"]["values"][0], "x-completed");
}

TEST_F(SessionInputTest, UninitializedStaysUninitializedAfterABadInitialize) {
  json reply = Call(Request(1, "initialize", {{"protocolVersion", 20250618}}));
  EXPECT_EQ(reply["error"]["code"], kInvalidParams);
  EXPECT_THAT(reply["error"]["message"].get<std::string>(),
              HasSubstr("\"protocolVersion\""));
  EXPECT_EQ(session_->protocol_version(), "");
  Initialize();
  EXPECT_EQ(session_->protocol_version(), "2025-06-18");
}

TEST_F(SessionInputTest, CancellingWithAnIdOfTheWrongTypeIsIgnored) {
  Initialize();
  for (const json& request_id : {json::object(), json::array(), json(1.5)}) {
    session_->HandleText(json{{"jsonrpc", "2.0"},
                              {"method", "notifications/cancelled"},
                              {"params", {{"requestId", request_id}}}}
                             .dump());
  }
  ExpectStillServing(1);
  EXPECT_EQ(Sent().size(), 2u);  // initialize's and the ping's responses.
}

TEST_F(SessionInputTest, AHandlerThatThrowsIsAnInternalError) {
  Initialize();
  json reply =
      Call(Request(1, "completion/complete",
                   {{"ref", {{"type", "ref/prompt"}, {"name", "broken"}}},
                    {"argument", {{"name", "metric"}, {"value", ""}}}}));
  EXPECT_EQ(reply["error"]["code"], kInternalError);
  EXPECT_EQ(reply["error"]["message"], "Internal error");  // Not the cause.
  ExpectStillServing(2);
}

// A tool that throws must not take the process down (it runs on a thread of
// its own) nor leave its request running.
TEST_F(SessionInputTest, AToolThatThrowsIsAnsweredAndForgotten) {
  Initialize();
  tools_.echo_throws = true;
  tools_.brief_and_quiet = true;
  // On a thread of the cache, and on the thread of a caller that waits: two
  // calls, as many as the session may run at once (the fixture's cap).
  for (bool caller_waits : {false, true}) {
    const std::string id = caller_waits ? "on-caller" : "on-cache";
    Incoming call =
        ParseMessages(Request(id, "tools/call", {{"name", "echo"}}).dump());
    session_->Handle(*call.items.at(0).message, caller_waits);
    json reply = WaitFor(id);
    EXPECT_EQ(reply["error"]["code"], kInternalError) << reply;
  }
  // Had either stayed running, every call now would be refused as over the
  // cap (a call is forgotten just after its answer is sent: retry).
  tools_.echo_throws = false;
  json reply;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  for (int i = 0; absl::Now() < deadline; ++i) {
    reply = Call(Request(i, "tools/call", {{"name", "echo"}}));
    if (reply.contains("result")) break;
    EXPECT_EQ(reply["error"]["code"], kServerBusy) << reply;
  }
  EXPECT_TRUE(reply.contains("result")) << reply;
}

}  // namespace
}  // namespace mfgate::mcp
