// SessionTest: a Session over FakeTools and FakeCompletions whose outbox
// records what it sends, for the session's unit tests. Test-only.
#ifndef MFGATE_GATEWAY_MCP_SESSION_FIXTURE_H_
#define MFGATE_GATEWAY_MCP_SESSION_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gateway/mcp/fake_tools.h"
#include "gateway/mcp/session.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

class SessionTest : public ::testing::Test {
 protected:
  using json = nlohmann::json;

  SessionTest() {
    SessionOptions options;
    options.server_version = "9.9";
    options.max_concurrent_calls = 2;
    Handlers handlers{&tools_};
    handlers.completions = &completions_;
    session_ =
        std::make_unique<Session>(handlers, options, [this](const Outgoing& m) {
          absl::MutexLock lock(&mu_);
          if (m.text == nullptr) {
            unanswered_.push_back(m.related);
          } else {
            sent_.push_back(json::parse(*m.text));
          }
        });
  }

  json Request(const json& id, const std::string& method,
               json params = nullptr) {
    json message{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
    if (!params.is_null()) message["params"] = params;
    return message;
  }
  // Sends `message` and returns the response with its id (waits for calls).
  json Call(const json& message) {
    session_->HandleText(message.dump());
    return WaitFor(message["id"]);
  }
  // The first message sent that matches `match`, waiting up to 10 s; null
  // if none comes.
  template <typename Match>
  json WaitUntil(Match match) {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        for (const json& m : sent_) {
          if (match(m)) return m;
        }
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
    return nullptr;
  }
  json WaitFor(const json& id) {
    return WaitUntil([&id](const json& m) {
      return m.is_object() && m.contains("id") && m["id"] == id;
    });
  }
  std::vector<json> Sent() {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  void Initialize(const std::string& version = "2025-06-18") {
    Call(Request(0, "initialize",
                 {{"protocolVersion", version},
                  {"capabilities", json::object()},
                  {"clientInfo", {{"name", "t"}, {"version", "1"}}}}));
  }

  FakeTools tools_;
  FakeCompletions completions_;
  absl::Mutex mu_;
  std::vector<json> sent_ ABSL_GUARDED_BY(mu_);
  // Requests reported as ended without a response.
  std::vector<json> unanswered_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Session> session_;
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_SESSION_FIXTURE_H_
