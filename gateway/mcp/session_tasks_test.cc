// Tasks through the session: 2026-07-28's tasks extension and 2025-11-25's
// experimental tasks, over FakeTools (`echo` answers at once, `wait` runs
// until cancelled).
#include <memory>
#include <string>

#include "gateway/mcp/session_fixture.h"
#include "gateway/mcp/tasks.h"

namespace mfgate::mcp {
namespace {

class SessionTasksTest : public SessionTest {
 protected:
  SessionTasksTest() { session_ = NewSession(tenant_); }
  // A task's call runs on a thread of its own and uses tools_: every one
  // must have ended before tools_ goes.
  ~SessionTasksTest() override {
    TaskStore::Shared().CancelAll();
    EXPECT_TRUE(
        TaskStore::Shared().AwaitCallsEnded(absl::Now() + absl::Seconds(10)));
  }

  // A session of tenant `tenant` that records into sent_.
  std::unique_ptr<Session> NewSession(std::shared_ptr<const void> tenant,
                                      const std::string& caller = "") {
    Handlers handlers{&tools_};
    handlers.owner = std::move(tenant);
    SessionOptions options;
    options.max_concurrent_calls = 4;
    options.caller = caller;
    return std::make_unique<Session>(handlers, options,
                                     [this](const Outgoing& m) {
                                       absl::MutexLock lock(&mu_);
                                       if (m.text != nullptr)
                                         sent_.push_back(json::parse(*m.text));
                                     });
  }
  json Modern(const json& id, const std::string& method, json params,
              bool tasks = true) {
    json capabilities = json::object();
    if (tasks) {
      capabilities["extensions"]["io.modelcontextprotocol/tasks"] =
          json::object();
    }
    params["_meta"] = {
        {"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
        {"io.modelcontextprotocol/clientCapabilities", capabilities}};
    return Request(id, method, params);
  }
  json CallOn(Session* session, const json& message) {
    session->HandleText(message.dump());
    return WaitFor(message["id"]);
  }
  // A tools/call of `echo` that needs an answer to elicitation/create, from
  // a client that declared elicitation and the tasks extension; `round`
  // (inputResponses, requestState) is merged into its params.
  json NeedsInput(const json& id, const json& round) {
    json params = {{"name", "echo"},
                   {"arguments", {{"need", "elicitation/create"}}}};
    params.update(round);
    json call = Modern(id, "tools/call", std::move(params));
    call["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"]
        ["elicitation"] = json::object();
    return call;
  }
  // Polls tasks/get until the task has ended; its last answer.
  json PollUntilEnded(const std::string& task_id, int first_id) {
    for (int i = 0; i < 1000; ++i) {
      json got = Call(Modern(first_id + i, "tasks/get", {{"taskId", task_id}}));
      if (got["result"]["status"] != "working") return got;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return nullptr;
  }

  // Waits until `wait` has seen its cancel: its task's thread then no
  // longer touches tools_.
  bool WaitSawCancel() { return tools_.AwaitSawCancel(absl::Seconds(10)); }

  std::shared_ptr<const void> tenant_ = std::make_shared<int>(1);
};

TEST_F(SessionTasksTest, ModernCallRunsAsATaskWhenTheClientDeclaresTasks) {
  json discover = Call(Modern(1, "server/discover", json::object()));
  EXPECT_TRUE(discover["result"]["capabilities"]["extensions"].contains(
      "io.modelcontextprotocol/tasks"));
  EXPECT_FALSE(discover["result"]["capabilities"].contains("tasks"));

  json created = Call(
      Modern(2, "tools/call", {{"name", "echo"}, {"arguments", {{"x", 7}}}}));
  const json& task = created["result"];
  ASSERT_EQ(task["resultType"], "task") << created;
  EXPECT_EQ(task["status"], "working");
  EXPECT_GT(task["ttlMs"].get<int64_t>(), 0);
  EXPECT_GT(task["pollIntervalMs"].get<int64_t>(), 0);
  EXPECT_FALSE(task.contains("task"));
  EXPECT_FALSE(task.contains("result"));

  json done = PollUntilEnded(task["taskId"], 100);
  EXPECT_EQ(done["result"]["status"], "completed") << done;
  EXPECT_EQ(done["result"]["result"]["structuredContent"]["x"], 7);
  EXPECT_EQ(done["result"]["resultType"], "complete");

  // Without the extension the same call is answered at once.
  json sync = Call(Modern(3, "tools/call", {{"name", "echo"}}, false));
  EXPECT_EQ(sync["result"]["resultType"], "complete") << sync;
  EXPECT_FALSE(sync["result"].contains("taskId"));
  EXPECT_EQ(sync["result"]["content"][0]["text"], "echo");
}

TEST_F(SessionTasksTest, ATasksCallNamesTheSessionsCallerToTheWorker) {
  // The worker shares its engines fairly among callers: a task's call is
  // its session's, like the session's other calls.
  session_ = NewSession(tenant_, "caller-7");
  json created = Call(Modern(1, "tools/call", {{"name", "echo"}}));
  ASSERT_EQ(created["result"]["resultType"], "task") << created;
  json done = PollUntilEnded(created["result"]["taskId"], 100);
  EXPECT_EQ(done["result"]["status"], "completed") << done;
  EXPECT_EQ(tools_.echo_caller(), "caller-7");
}

TEST_F(SessionTasksTest, ModernTaskMethodsNeedTheExtension) {
  for (const char* method : {"tasks/get", "tasks/cancel", "tasks/update"}) {
    json refused =
        Call(Modern(std::string(method), method, {{"taskId", "x"}}, false));
    EXPECT_EQ(refused["error"]["code"], -32021) << refused;
    EXPECT_TRUE(
        refused["error"]["data"]["requiredCapabilities"]["extensions"].contains(
            "io.modelcontextprotocol/tasks"));
  }
  json unknown = Call(Modern(4, "tasks/get", {{"taskId", "nope"}}));
  EXPECT_EQ(unknown["error"]["code"], -32602) << unknown;
}

TEST_F(SessionTasksTest, ModernCancelAcksAndCancelsTheCall) {
  json created = Call(Modern(1, "tools/call", {{"name", "wait"}}));
  const std::string task_id = created["result"]["taskId"];
  ASSERT_FALSE(task_id.empty()) << created;
  json ack = Call(Modern(2, "tasks/cancel", {{"taskId", task_id}}));
  EXPECT_EQ(ack["result"], json({{"resultType", "complete"}})) << ack;
  json got = Call(Modern(3, "tasks/get", {{"taskId", task_id}}));
  EXPECT_EQ(got["result"]["status"], "cancelled");
  // The tool's own cancellation token fired: the worker call is cancelled.
  EXPECT_TRUE(WaitSawCancel());
  // Cancelling an ended task is the same acknowledgement.
  json again = Call(Modern(4, "tasks/cancel", {{"taskId", task_id}}));
  EXPECT_EQ(again["result"], json({{"resultType", "complete"}}));
}

TEST_F(SessionTasksTest, AnotherTenantsTaskIsNotFound) {
  json created = Call(Modern(1, "tools/call", {{"name", "wait"}}));
  const std::string task_id = created["result"]["taskId"];
  ASSERT_FALSE(task_id.empty()) << created;
  // A stateless request of the same tenant, on another session, sees it.
  auto same_tenant = NewSession(tenant_);
  json seen =
      CallOn(same_tenant.get(), Modern(2, "tasks/get", {{"taskId", task_id}}));
  EXPECT_EQ(seen["result"]["taskId"], task_id) << seen;
  auto other = NewSession(std::make_shared<int>(2));
  for (const char* method : {"tasks/get", "tasks/cancel", "tasks/update"}) {
    json refused = CallOn(other.get(), Modern(std::string("o") + method, method,
                                              {{"taskId", task_id}}));
    EXPECT_EQ(refused["error"]["code"], -32602) << refused;
  }
  json still = Call(Modern(3, "tasks/get", {{"taskId", task_id}}));
  EXPECT_EQ(still["result"]["status"], "working");
  Call(Modern(4, "tasks/cancel", {{"taskId", task_id}}));
  EXPECT_TRUE(WaitSawCancel());
}

TEST_F(SessionTasksTest, SessionTasksOf20251125) {
  Initialize("2025-11-25");
  json listed = Call(Request(1, "tools/list"));
  EXPECT_EQ(listed["result"]["tools"][0]["execution"]["taskSupport"],
            "optional");
  json created = Call(Request(2, "tools/call",
                              {{"name", "echo"},
                               {"arguments", {{"x", 1}}},
                               {"task", {{"ttl", 60000}}}}));
  const json& task = created["result"]["task"];
  ASSERT_EQ(task["status"], "working") << created;
  EXPECT_EQ(task["ttl"], 60000);
  const std::string task_id = task["taskId"];
  json result = Call(Request(3, "tasks/result", {{"taskId", task_id}}));
  EXPECT_EQ(result["result"]["structuredContent"]["x"], 1) << result;
  EXPECT_EQ(result["result"]["_meta"]["io.modelcontextprotocol/related-task"]
                  ["taskId"],
            task_id);
  json list = Call(Request(4, "tasks/list"));
  ASSERT_EQ(list["result"]["tasks"].size(), 1u) << list;
  EXPECT_EQ(list["result"]["tasks"][0]["status"], "completed");
  json cancel = Call(Request(5, "tasks/cancel", {{"taskId", task_id}}));
  EXPECT_EQ(cancel["error"]["code"], -32602) << cancel;

  // Another session of the tenant does not see this session's task.
  auto other = NewSession(tenant_);
  CallOn(other.get(), Request(10, "initialize",
                              {{"protocolVersion", "2025-11-25"},
                               {"capabilities", json::object()}}));
  json hidden =
      CallOn(other.get(), Request(11, "tasks/get", {{"taskId", task_id}}));
  EXPECT_EQ(hidden["error"]["code"], -32602) << hidden;

  tools_.echo_supports_tasks = false;
  json forbidden = Call(
      Request(6, "tools/call", {{"name", "echo"}, {"task", json::object()}}));
  EXPECT_EQ(forbidden["error"]["code"], -32601) << forbidden;
}

TEST_F(SessionTasksTest, SessionCancelOf20251125) {
  Initialize("2025-11-25");
  json init_caps = Sent().front()["result"]["capabilities"];
  EXPECT_TRUE(init_caps["tasks"]["requests"]["tools"].contains("call"))
      << init_caps;
  json created = Call(
      Request(1, "tools/call", {{"name", "wait"}, {"task", json::object()}}));
  const std::string task_id = created["result"]["task"]["taskId"];
  // tasks/result waits; the cancel answers with the cancelled task, and
  // the waiting tasks/result then gets its error.
  session_->HandleText(
      Request(2, "tasks/result", {{"taskId", task_id}}).dump());
  json cancel = Call(Request(3, "tasks/cancel", {{"taskId", task_id}}));
  EXPECT_EQ(cancel["result"]["status"], "cancelled") << cancel;
  json result = WaitFor(2);
  EXPECT_EQ(result["error"]["code"], -32602) << result;
  EXPECT_TRUE(WaitSawCancel());
}

// A tool whose task support is "required" runs for no client that cannot
// run it as a task: 2026-07-28's -32021 naming the extension, 2025-11-25's
// -32601 for a call without `task`.
TEST_F(SessionTasksTest, RequiredTaskSupportRefusesACallThatIsNoTask) {
  tools_.echo_requires_task = true;
  json refused =
      Call(Modern(1, "tools/call", {{"name", "echo"}}, /*tasks=*/false));
  EXPECT_EQ(refused["error"]["code"], kMissingClientCapability) << refused;
  EXPECT_TRUE(
      refused["error"]["data"]["requiredCapabilities"]["extensions"].contains(
          "io.modelcontextprotocol/tasks"))
      << refused;
  json created = Call(Modern(2, "tools/call", {{"name", "echo"}}));
  EXPECT_EQ(created["result"]["resultType"], "task") << created;

  Initialize("2025-11-25");
  json listed = Call(Request(3, "tools/list"));
  EXPECT_EQ(listed["result"]["tools"][0]["execution"]["taskSupport"],
            "required");
  json plain = Call(Request(4, "tools/call", {{"name", "echo"}}));
  EXPECT_EQ(plain["error"]["code"], -32601) << plain;
  json task = Call(
      Request(5, "tools/call", {{"name", "echo"}, {"task", json::object()}}));
  EXPECT_EQ(task["result"]["task"]["status"], "working") << task;
}

// A 2026-07-28 task whose call needs input is input_required with its
// requests; tasks/update answers them and the call runs again with them.
TEST_F(SessionTasksTest, ModernTaskWaitsForInputUntilTasksUpdate) {
  json created = Call(Modern(
      1, "tools/call",
      {{"name", "echo"}, {"arguments", {{"need", "elicitation/create"}}}}));
  ASSERT_EQ(created["result"]["resultType"], "task") << created;
  const std::string task_id = created["result"]["taskId"];
  json parked;
  for (int i = 0; i < 1000; ++i) {
    parked = Call(Modern(100 + i, "tasks/get", {{"taskId", task_id}}));
    if (parked["result"]["status"] != "working") break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(parked["result"]["status"], "input_required") << parked;
  EXPECT_EQ(parked["result"]["inputRequests"]["answer"]["method"],
            "elicitation/create")
      << parked;
  json ack = Call(Modern(
      2, "tasks/update",
      {{"taskId", task_id}, {"inputResponses", {{"answer", {{"ok", true}}}}}}));
  EXPECT_EQ(ack["result"], json({{"resultType", "complete"}})) << ack;
  json done;
  for (int i = 0; i < 1000; ++i) {
    done = Call(Modern(2000 + i, "tasks/get", {{"taskId", task_id}}));
    if (done["result"]["status"] == "completed") break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(done["result"]["status"], "completed") << done;
  EXPECT_EQ(done["result"]["result"]["structuredContent"]["answer"],
            json({{"ok", true}}))
      << done;
}

// A call that gathers its input first: its first round is an
// InputRequiredResult (no task), its later round, with the answers, is the
// task, and the task's result has the answers and the state the first
// round kept.
TEST_F(SessionTasksTest, ModernCallGathersInputThenBecomesATask) {
  tools_.echo_gathers_input_first = true;
  json first = Call(NeedsInput(1, json::object()));
  const json& asked = first["result"];
  ASSERT_EQ(asked["resultType"], "input_required") << first;
  EXPECT_FALSE(asked.contains("taskId")) << first;
  EXPECT_EQ(asked["inputRequests"]["answer"]["method"], "elicitation/create")
      << first;
  ASSERT_TRUE(asked["requestState"].is_string()) << first;

  json tampered = Call(NeedsInput(
      2, {{"inputResponses", {{"answer", "Alice"}}}, {"requestState", "x"}}));
  EXPECT_EQ(tampered["error"]["code"], kInvalidParams) << tampered;

  json second = Call(NeedsInput(3, {{"inputResponses", {{"answer", "Alice"}}},
                                    {"requestState", asked["requestState"]}}));
  const json& task = second["result"];
  ASSERT_EQ(task["resultType"], "task") << second;
  EXPECT_EQ(task["status"], "working") << second;
  EXPECT_FALSE(task.contains("requestState")) << second;
  EXPECT_FALSE(task.contains("inputRequests")) << second;
  json done = PollUntilEnded(task["taskId"].get<std::string>(), 100);
  ASSERT_EQ(done["result"]["status"], "completed") << done;
  EXPECT_EQ(done["result"]["result"]["structuredContent"],
            json({{"answer", "Alice"}, {"state", 1}}))
      << done;
}

// Any later round of a call that may run as a task runs as one with its
// answers: the task does not ask for them again.
TEST_F(SessionTasksTest, ModernLaterRoundRunsAsATaskWithItsAnswers) {
  json created = Call(NeedsInput(1, {{"inputResponses", {{"answer", 5}}}}));
  ASSERT_EQ(created["result"]["resultType"], "task") << created;
  json done =
      PollUntilEnded(created["result"]["taskId"].get<std::string>(), 100);
  ASSERT_EQ(done["result"]["status"], "completed") << done;
  EXPECT_EQ(done["result"]["result"]["structuredContent"]["answer"], 5) << done;
}

TEST_F(SessionTasksTest, NoTasksWithoutATenant) {
  session_ = NewSession(nullptr);
  json created = Call(Modern(1, "tools/call", {{"name", "echo"}}));
  EXPECT_EQ(created["result"]["resultType"], "complete") << created;
}

}  // namespace
}  // namespace mfgate::mcp
