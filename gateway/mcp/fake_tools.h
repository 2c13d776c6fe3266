// FakeTools: a ToolProvider for protocol tests. `echo` returns its arguments
// (or, given `ask`, asks the client through that method; given `need`,
// needs input from the client through that method, multi-round)
// as structured content; `wait` reports progress (once, or
// arguments.progress times), then blocks until its
// request is cancelled (recording that it saw the cancel). Both are
// BriefAndQuiet() when `brief_and_quiet` is set; both may run as tasks
// (`echo` unless `echo_supports_tasks` is cleared; only as one when
// `echo_requires_task` is set; its input in rounds before it becomes one
// when `echo_gathers_input_first` is set); `echo` records the thread
// it ran on, and throws when `echo_throws` is set (a tool's bug).
// FakeCompletions reads its argument as SemanticLayer does. Thread-safe.
#ifndef MFGATE_GATEWAY_MCP_FAKE_TOOLS_H_
#define MFGATE_GATEWAY_MCP_FAKE_TOOLS_H_

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/mcp/providers.h"
#include "gateway/mcp/tool_provider.h"

namespace mfgate::mcp {

class FakeTools : public ToolProvider {
 public:
  nlohmann::json ListTools() const override {
    return nlohmann::json::array(
        {{{"name", "echo"}, {"inputSchema", {{"type", "object"}}}},
         {{"name", "wait"}, {"inputSchema", {{"type", "object"}}}}});
  }
  bool HasTool(const std::string& name) const override {
    return name == "echo" || name == "wait";
  }
  bool BriefAndQuiet(const std::string&) const override {
    return brief_and_quiet;
  }
  bool SupportsTasks(const std::string& name) const override {
    return name == "wait" || echo_supports_tasks;
  }
  bool RequiresTask(const std::string& name) const override {
    return name == "echo" && echo_requires_task;
  }
  bool GathersInputFirst(const std::string& name) const override {
    return name == "echo" && echo_gathers_input_first;
  }
  ToolResult CallTool(const std::string& name, const nlohmann::json& arguments,
                      ToolCallContext& context) override {
    if (name == "wait") {
      // {"progress": N}: N progress reports before the wait (default 1).
      const int reports =
          arguments.is_object() ? arguments.value("progress", 1) : 1;
      for (int i = 0; i < reports; ++i) {
        context.report_progress(1, 2, "started");
      }
      started = true;
      // Shared: the token may be cancelled after the wait has given up.
      auto cancelled = std::make_shared<absl::Notification>();
      context.cancellation->OnCancel([cancelled] { cancelled->Notify(); });
      cancelled->WaitForNotificationWithTimeout(absl::Seconds(10));
      saw_cancel = context.cancellation->cancelled();
      return nlohmann::json{{"content", nlohmann::json::array()},
                            {"isError", true}};
    }
    echo_thread = std::this_thread::get_id();
    {
      absl::MutexLock lock(&mu_);
      echo_caller_ = context.caller;
    }
    if (echo_throws) throw std::runtime_error("echo broke");
    if (arguments.contains("need")) {  // Needs input through that method.
      if (!context.input_responses.contains("answer")) {
        context.state = 1;
        context.require_input("answer", arguments["need"].get<std::string>(),
                              {{"message", "?"}});
        return nlohmann::json{{"content", nlohmann::json::array()}};
      }
      return nlohmann::json{{"content", nlohmann::json::array()},
                            {"structuredContent",
                             {{"answer", context.input_responses["answer"]},
                              {"state", context.state}}}};
    }
    if (arguments.contains("ask")) {  // Asks the client through that method.
      absl::StatusOr<nlohmann::json> answer = context.request_client(
          arguments["ask"].get<std::string>(), nlohmann::json::object());
      if (!answer.ok()) {
        return nlohmann::json{
            {"content",
             {{{"type", "text"},
               {"text", std::string(answer.status().message())}}}},
            {"isError", true}};
      }
      return nlohmann::json{{"content", nlohmann::json::array()},
                            {"structuredContent", *answer}};
    }
    nlohmann::json result{{"content", {{{"type", "text"}, {"text", "echo"}}}},
                          {"structuredContent", arguments}};
    if (!serialize_echo) return result;
    return ToolResult::Serialized(
        std::make_shared<const std::string>(result.dump()), false);
  }

  std::atomic<bool> started{false};
  std::atomic<bool> saw_cancel{false};
  std::atomic<bool> brief_and_quiet{false};
  // `echo` returns its result serialized (as kept answers are).
  std::atomic<bool> serialize_echo{false};
  std::atomic<std::thread::id> echo_thread;
  std::atomic<bool> echo_throws{false};
  // `echo` may run as a task (`wait` always may).
  std::atomic<bool> echo_supports_tasks{true};
  // `echo` runs only as a task (its task support is "required").
  std::atomic<bool> echo_requires_task{false};
  // `echo` gathers its input in rounds before it runs as a task.
  std::atomic<bool> echo_gathers_input_first{false};

  // Whether `wait` saw its cancel within `timeout` (then its thread no
  // longer touches this provider).
  bool AwaitSawCancel(absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (!saw_cancel && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return saw_cancel;
  }

  // The caller (ToolCallContext::caller) of the last `echo`.
  std::string echo_caller() const {
    absl::MutexLock lock(&mu_);
    return echo_caller_;
  }

 private:
  mutable absl::Mutex mu_;
  std::string echo_caller_ ABSL_GUARDED_BY(mu_);
};

class FakeCompletions : public CompletionProvider {
 public:
  nlohmann::json Complete(const nlohmann::json& ref,
                          const nlohmann::json& argument) const override {
    if (ref.value("name", "") == "broken") throw std::logic_error("broken");
    const std::string prefix = argument.value("value", "");
    return {{"values", {prefix + "-completed"}}, {"total", 1}};
  }
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_FAKE_TOOLS_H_
