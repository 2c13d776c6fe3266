#include "gateway/mcp/session.h"

#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gateway/mcp/session_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

TEST_F(SessionTest, NegotiatesEverySupportedVersionAndFallsBackToTheLatest) {
  for (const char* version :
       {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"}) {
    json reply;
    Session probe(&tools_, SessionOptions(), [&reply](const Outgoing& m) {
      reply = json::parse(*m.text);
    });
    probe.HandleText(
        Request(1, "initialize", {{"protocolVersion", version}}).dump());
    EXPECT_EQ(reply["result"]["protocolVersion"], version);
    EXPECT_TRUE(reply["result"]["capabilities"].contains("tools"));
  }
  json reply;
  Session probe(&tools_, SessionOptions(),
                [&reply](const Outgoing& m) { reply = json::parse(*m.text); });
  probe.HandleText(
      Request(1, "initialize", {{"protocolVersion", "1999-01-01"}}).dump());
  EXPECT_EQ(reply["result"]["protocolVersion"], "2025-11-25");
}

TEST_F(SessionTest, LifecycleOrdering) {
  json early = Call(Request(1, "tools/list"));
  EXPECT_EQ(early["error"]["code"], kInvalidRequest);
  EXPECT_EQ(Call(Request(2, "ping"))["result"],
            json::object());  // Allowed early.
  Initialize();
  EXPECT_EQ(session_->protocol_version(), "2025-06-18");
  EXPECT_EQ(Call(Request(3, "initialize", json::object()))["error"]["code"],
            kInvalidRequest);
  EXPECT_EQ(Call(Request(4, "tools/list"))["result"]["tools"].size(), 2u);
}

TEST_F(SessionTest, UnknownMethodAndBadParams) {
  Initialize();
  json reply = Call(Request(1, "resources/explode"));
  EXPECT_EQ(reply["error"]["code"], kMethodNotFound);
  EXPECT_THAT(reply["error"]["message"].get<std::string>(),
              HasSubstr("resources/explode"));
  EXPECT_EQ(
      Call(Request(2, "tools/list", {{"cursor", "zzz"}}))["error"]["code"],
      kInvalidParams);
  EXPECT_EQ(Call(Request(3, "tools/call", {{"name", "nope"}}))["error"]["code"],
            kInvalidParams);
  EXPECT_EQ(Call(Request(4, "tools/call", {{"name", 5}}))["error"]["code"],
            kInvalidParams);
  EXPECT_EQ(Call(Request(5, "tools/call",
                         {{"name", "echo"},
                          {"arguments", json::array()}}))["error"]["code"],
            kInvalidParams);
  EXPECT_EQ(Call(Request(6, "logging/setLevel",
                         {{"level", "loud"}}))["error"]["code"],
            kInvalidParams);
  EXPECT_EQ(
      Call(Request(7, "logging/setLevel", {{"level", "warning"}}))["result"],
      json::object());
}

TEST_F(SessionTest, ToolCallsEchoIdsExactly) {
  Initialize();
  json reply = Call(Request("str-id", "tools/call",
                            {{"name", "echo"}, {"arguments", {{"x", 1}}}}));
  EXPECT_EQ(reply["id"], "str-id");
  EXPECT_EQ(reply["result"]["structuredContent"]["x"], 1);
}

TEST_F(SessionTest, SerializedResultsAreSplicedIntoTheResponse) {
  Initialize();
  const json arguments = {{"x", "é\u2028"}, {"y", {1, 2}}};
  json built = Call(
      Request(1, "tools/call", {{"name", "echo"}, {"arguments", arguments}}));
  tools_.serialize_echo = true;
  json spliced = Call(Request("two", "tools/call",
                              {{"name", "echo"}, {"arguments", arguments}}));
  EXPECT_EQ(spliced["id"], "two");
  EXPECT_EQ(spliced["jsonrpc"], "2.0");
  EXPECT_EQ(spliced["result"], built["result"]);
  EXPECT_EQ(spliced["result"]["structuredContent"], arguments);
}

TEST_F(SessionTest, BriefQuietCallRunsOnTheThreadOfACallerThatWaits) {
  Initialize();
  tools_.brief_and_quiet = true;
  auto handle = [this](int id, json params, bool caller_waits) {
    params["name"] = "echo";
    session_->Handle(*ParseMessages(Request(id, "tools/call", params).dump())
                          .items.at(0)
                          .message,
                     caller_waits);
  };
  const std::thread::id here = std::this_thread::get_id();
  handle(1, json::object(), true);
  EXPECT_EQ(tools_.echo_thread, here);
  bool answered = false;  // Before Handle returned: no wait needed.
  for (const json& m : Sent())
    answered = answered || (m.is_object() && m.value("id", 0) == 1);
  EXPECT_TRUE(answered);

  // Progress must be able to reach the client while the call runs.
  handle(2, {{"_meta", {{"progressToken", "p"}}}}, true);
  EXPECT_FALSE(WaitFor(2).is_null());
  EXPECT_NE(tools_.echo_thread, here);
  tools_.echo_thread = here;
  handle(3, json::object(), false);  // A caller that keeps reading.
  EXPECT_FALSE(WaitFor(3).is_null());
  EXPECT_NE(tools_.echo_thread, here);
  tools_.echo_thread = here;
  tools_.brief_and_quiet = false;  // A tool that may run long or talk back.
  handle(4, json::object(), true);
  EXPECT_FALSE(WaitFor(4).is_null());
  EXPECT_NE(tools_.echo_thread, here);
}

TEST_F(SessionTest, CancelledCallGetsNoResponseAndTheToolSeesTheCancel) {
  Initialize();
  session_->HandleText(
      Request(9, "tools/call",
              {{"name", "wait"}, {"_meta", {{"progressToken", "p1"}}}})
          .dump());
  while (!tools_.started) absl::SleepFor(absl::Milliseconds(1));
  session_->HandleText(json{{"jsonrpc", "2.0"},
                            {"method", "notifications/cancelled"},
                            {"params", {{"requestId", 9}, {"reason", "user"}}}}
                           .dump());
  session_->Close();
  EXPECT_TRUE(tools_.saw_cancel);
  bool progress = false;
  for (const json& m : Sent()) {
    EXPECT_FALSE(m.contains("id") && m["id"] == 9) << m.dump();
    if (m.value("method", "") == "notifications/progress") {
      EXPECT_EQ(m["params"]["progressToken"], "p1");
      progress = true;
    }
  }
  EXPECT_TRUE(progress);
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(unanswered_, std::vector<json>{9});
}

TEST_F(SessionTest, ConcurrencyCapAndDuplicateIds) {
  Initialize();
  session_->HandleText(Request(1, "tools/call", {{"name", "wait"}}).dump());
  EXPECT_EQ(Call(Request(1, "tools/call", {{"name", "wait"}}))["error"]["code"],
            kInvalidRequest);
  session_->HandleText(Request(2, "tools/call", {{"name", "wait"}}).dump());
  EXPECT_EQ(Call(Request(3, "tools/call", {{"name", "echo"}}))["error"]["code"],
            kServerBusy);
  session_->Close();  // Cancels the waiting calls.
}

TEST_F(SessionTest, LogNotificationsRespectTheLevel) {
  Initialize();
  session_->Log("debug", "below the default of info");
  session_->Log("info", "sent before setLevel");
  Call(Request(1, "logging/setLevel", {{"level", "warning"}}));
  session_->Log("info", "too low");
  session_->Log("error", "sent");
  std::vector<json> logged;
  for (const json& m : Sent()) {
    if (m.value("method", "") == "notifications/message")
      logged.push_back(m["params"]["data"]);
  }
  EXPECT_EQ(logged, (std::vector<json>{"sent before setLevel", "sent"}));
}

}  // namespace
}  // namespace mfgate::mcp
