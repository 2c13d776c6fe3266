// prompts/get over several rounds (input_round.h): a modern request's prompt
// asks its client for input with an InputRequiredResult, as tools/call does.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gateway/mcp/fake_tools.h"
#include "gateway/mcp/request_state.h"
#include "gateway/mcp/session.h"
#include "gtest/gtest.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

// Prompt "ask" wants a `topic` elicited first, and counts its rounds in
// its state; a legacy request, which cannot answer, is refused.
class AskingPrompts : public PromptProvider {
 public:
  json ListPrompts() const override { return json::array({{{"name", "ask"}}}); }
  absl::StatusOr<json> GetPrompt(const std::string& name,
                                 const json&) const override {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " needs a multi-round request"));
  }
  absl::StatusOr<json> GetPromptWithInput(const std::string& name,
                                          const json& arguments,
                                          InputRound& round) const override {
    if (!round.multi_round) return GetPrompt(name, arguments);
    round.state = round.state.is_number() ? round.state.get<int>() + 1 : 1;
    auto answer = round.input_responses.find("topic");
    if (answer == round.input_responses.end()) {
      round.require_input("topic", "elicitation/create",
                          {{"message", "Which topic?"}});
      return json::object();
    }
    return json{{"messages",
                 {{{"role", "user"},
                   {"content",
                    {{"type", "text"},
                     {"text", absl::StrCat(answer->dump(), " round ",
                                           round.state.dump())}}}}}}};
  }
};

class SessionPromptInputTest : public ::testing::Test {
 protected:
  SessionPromptInputTest() {
    Handlers handlers{&tools_};
    handlers.prompts = &prompts_;
    session_ = std::make_unique<Session>(
        handlers, SessionOptions(), [this](const Outgoing& m) {
          absl::MutexLock lock(&mu_);
          if (m.text != nullptr) sent_.push_back(json::parse(*m.text));
        });
  }

  // prompts/get answers inline: its response is the last message sent.
  json Get(int id, const json& params, const json& capabilities) {
    json with_meta = params;
    with_meta["_meta"] = {{kMetaProtocolVersion, "2026-07-28"},
                          {kMetaClientCapabilities, capabilities}};
    session_->HandleText(json{
        {"jsonrpc", "2.0"},
        {"id", id},
        {"method", "prompts/get"},
        {"params",
         with_meta}}.dump());
    absl::MutexLock lock(&mu_);
    EXPECT_FALSE(sent_.empty());
    return sent_.empty() ? json() : sent_.back();
  }

  const json kElicitation = {{"elicitation", json::object()}};
  FakeTools tools_;
  AskingPrompts prompts_;
  absl::Mutex mu_;
  std::vector<json> sent_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Session> session_;
};

TEST_F(SessionPromptInputTest, AsksForInputAndCompletesOnTheRetry) {
  json params{{"name", "ask"}};
  json first = Get(1, params, kElicitation);
  ASSERT_EQ(first["result"]["resultType"], "input_required") << first;
  EXPECT_EQ(first["result"]["inputRequests"]["topic"]["method"],
            "elicitation/create");
  ASSERT_TRUE(first["result"]["requestState"].is_string());
  params["inputResponses"] = {{"topic", {{"action", "accept"}}}};
  params["requestState"] = first["result"]["requestState"];
  json second = Get(2, params, kElicitation);
  ASSERT_EQ(second["result"]["resultType"], "complete") << second;
  // The answer reached the prompt, and so did the state of round one.
  EXPECT_EQ(second["result"]["messages"][0]["content"]["text"],
            "{\"action\":\"accept\"} round 2");
}

TEST_F(SessionPromptInputTest, RefusesAStateSealedForAnotherRequest) {
  json params{{"name", "ask"},
              {"inputResponses", {{"topic", "x"}}},
              {"requestState", RequestStateSeal::Shared().Seal(
                                   {{"tool", "ask"}, {"state", 7}})}};
  json reply = Get(1, params, kElicitation);
  EXPECT_EQ(reply["error"]["code"], kInvalidParams) << reply;
  params["requestState"] = "x" + params["requestState"].get<std::string>();
  EXPECT_EQ(Get(2, params, kElicitation)["error"]["code"], kInvalidParams);
  params.erase("requestState");
  params["inputResponses"] = json::array();
  EXPECT_EQ(Get(3, params, kElicitation)["error"]["code"], kInvalidParams);
}

TEST_F(SessionPromptInputTest, InputTheClientCannotGiveIsMissingCapability) {
  json reply = Get(1, {{"name", "ask"}}, json::object());
  EXPECT_EQ(reply["error"]["code"], kMissingClientCapability) << reply;
  EXPECT_TRUE(
      reply["error"]["data"]["requiredCapabilities"].contains("elicitation"));
}

}  // namespace
}  // namespace mfgate::mcp
