// Session's tasks (tasks.h): a tools/call of a tool that supports tasks
// runs as a task when its client asks for one — 2025-11-25's task-augmented
// call (params.task), or a 2026-07-28 request that declares the tasks
// extension — and tasks/get, tasks/result, tasks/cancel, tasks/list (and
// 2026-07-28's tasks/update) serve it. A task's call runs on the process's
// ThreadCache like any call, apart from any session: it keeps its tenant's
// handlers alive, sends nothing while it runs, and its result waits in the
// TaskStore for a poll. A 2026-07-28 task whose call needs input from its
// client is input_required until tasks/update answers; its call then runs
// again with the answers (as a multi-round call would). A later round of a
// multi-round call (input_round.h) that may run as a task runs as one,
// starting with that round's answers and state: so does a call that
// gathers its input before it becomes a task (GathersInputFirst), whose
// first round runs as a call.
#include <exception>
#include <stdexcept>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/thread_cache.h"
#include "gateway/mcp/session.h"
#include "gateway/mcp/tasks.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

// The _meta key that ties a tasks/result answer to its task.
constexpr char kRelatedTaskMeta[] = "io.modelcontextprotocol/related-task";

// A task's call may ask its client for input this many times, this many
// requests at a time.
constexpr int kMaxTaskRounds = 16;
constexpr size_t kMaxTaskInputs = 16;

// The one revision with experimental tasks in the session.
constexpr absl::string_view kTasksRevision = "2025-11-25";

json Timestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

bool DeclaresTasksExtension(const json& capabilities) {
  auto extensions = capabilities.find("extensions");
  return extensions != capabilities.end() && extensions->is_object() &&
         extensions->contains(kTasksExtension);
}

// The Task object of each revision: 2026-07-28 names durations *Ms.
json TaskObject(const TaskView& task, bool modern, const TaskLimits& limits) {
  json out{{"taskId", task.id},
           {"status", std::string(TaskStatusName(task.status))},
           {"createdAt", Timestamp(task.created)},
           {"lastUpdatedAt", Timestamp(task.updated)}};
  out[modern ? "ttlMs" : "ttl"] = absl::ToInt64Milliseconds(task.ttl);
  out[modern ? "pollIntervalMs" : "pollInterval"] =
      absl::ToInt64Milliseconds(limits.poll_interval);
  return out;
}

// -32021: the request must declare the tasks extension.
json MissingTasksExtension(const json& id) {
  return MakeError(
      id, kMissingClientCapability,
      absl::StrCat("Missing required client capability: extensions.",
                   kTasksExtension),
      json{{"requiredCapabilities",
            {{"extensions", {{kTasksExtension, json::object()}}}}}});
}

json TaskError(const json& id, const absl::Status& status) {
  if (absl::IsResourceExhausted(status)) {
    return MakeError(id, kServerBusy, std::string(status.message()));
  }
  return MakeError(id, kInvalidParams,
                   absl::StrCat("Invalid params: ", status.message()));
}

}  // namespace

bool Session::TasksEnabled(const RequestContext& context) const {
  if (handlers_.owner == nullptr) return false;
  return IsModernVersion(context.version) || context.version == kTasksRevision;
}

TaskOwner Session::TaskOwnerOf(const RequestContext& context) const {
  TaskOwner owner;
  owner.tenant = handlers_.owner;
  // A stateless request's task is its tenant's: any request may poll it.
  if (!context.stateless) owner.session = task_scope_;
  return owner;
}

void Session::AddTaskSupport(const RequestContext& context, json* tools) const {
  if (!TasksEnabled(context) || !tools->is_array()) return;
  for (json& tool : *tools) {
    if (!tool.is_object() || !tool.contains("name") ||
        !tool["name"].is_string()) {
      continue;
    }
    const std::string name = tool["name"].get<std::string>();
    tool["execution"]["taskSupport"] =
        !tools_->SupportsTasks(name) ? "forbidden"
        : tools_->RequiresTask(name) ? "required"
                                     : "optional";
  }
}

bool Session::StartTask(const Message& request, const RequestContext& context,
                        const std::string& name, const json& arguments) {
  const json& id = request.id;
  const json& params = request.params;
  absl::Duration ttl = absl::ZeroDuration();
  if (!TasksEnabled(context)) return false;  // A task hint is ignored.
  if (context.stateless) {
    // The server decides: a tool that supports tasks runs as one for a
    // client that declared the extension, at once otherwise (unless it
    // runs only as a task).
    if (!tools_->SupportsTasks(name)) return false;
    if (!DeclaresTasksExtension(context.client_capabilities)) {
      if (!tools_->RequiresTask(name)) return false;
      Send(MissingTasksExtension(id), id);
      return true;
    }
    // A call that gathers its input first runs its first round as a call;
    // its later round, which carries the answers, becomes the task.
    if (tools_->GathersInputFirst(name) && context.input_responses.empty() &&
        context.state.is_null()) {
      return false;
    }
  } else {
    if (!params.contains("task") || params["task"].is_null()) {
      if (!tools_->RequiresTask(name)) return false;
      Send(MakeError(id, kMethodNotFound,
                     absl::StrCat("Method not found: tool ", name,
                                  " runs only as a task (with \"task\")")),
           id);
      return true;
    }
    if (!tools_->SupportsTasks(name)) {
      Send(MakeError(id, kMethodNotFound,
                     absl::StrCat("Method not found: tool ", name,
                                  " cannot run as a task")),
           id);
      return true;
    }
    const json& task = params["task"];
    if (task.contains("ttl") && task["ttl"].is_number() &&
        task["ttl"].get<double>() > 0) {
      ttl = absl::Milliseconds(task["ttl"].get<double>());
    }
  }
  TaskStore& store = TaskStore::Shared();
  auto token = std::make_shared<CancellationToken>();
  absl::StatusOr<TaskView> created =
      store.Create(TaskOwnerOf(context), ttl, token);
  if (!created.ok()) {
    Send(TaskError(id, created.status()), id);
    return true;
  }
  const std::string task_id = created->id;
  const bool modern = context.stateless;
  auto run = [handlers = handlers_, &store, task_id, name, arguments, token,
              modern, capabilities = context.client_capabilities,
              caller = options_.caller, round_answers = context.input_responses,
              round_state = context.state] {
    // Counted from Create: whoever owns the tools waits for this.
    absl::Cleanup ended = [&store] { store.CallEnded(); };
    try {
      ToolCallContext call;
      call.cancellation = token.get();
      call.client_capabilities = capabilities;
      call.caller = caller;
      // A task has no request to send on: progress and logs are dropped,
      // and it cannot ask its client for input.
      call.report_progress = [](double, double, const std::string&) {};
      call.log = [](const std::string&, const json&) {};
      call.request_client = [](const std::string& method,
                               const json&) -> absl::StatusOr<json> {
        return absl::UnavailableError(
            absl::StrCat("a task cannot send ", method, " to its client"));
      };
      // Under 2026-07-28 a call that needs input parks its task
      // input_required until tasks/update answers, then runs its next round.
      // A later round's task starts with the answers and state of the
      // rounds before it.
      json inputs;
      call.multi_round = modern;
      call.input_responses = round_answers;
      call.state = round_state;
      call.require_input = [&inputs, modern](const std::string& key,
                                             const std::string& method,
                                             const json& params) {
        if (modern && inputs.size() < kMaxTaskInputs) {
          inputs[key] = {{"method", method}, {"params", params}};
        }
      };
      ToolResult result = handlers.tools->CallTool(name, arguments, call);
      for (int round = 1; !inputs.is_null(); ++round) {
        if (round > kMaxTaskRounds) {
          throw std::runtime_error("too many rounds of input");
        }
        absl::StatusOr<json> answers =
            store.AwaitInput(task_id, std::exchange(inputs, json()),
                             absl::Now() + store.limits().ttl);
        if (!answers.ok()) {
          // Cancelled: the task says so. Unanswered: it failed.
          store.Finish(task_id, TaskStatus::kFailed, nullptr,
                       {{"code", kInvalidRequest},
                        {"message", std::string(answers.status().message())}});
          return;
        }
        call.input_responses = std::move(*answers);
        result = handlers.tools->CallTool(name, arguments, call);
      }
      // 2025-11-25 fails a task whose tool reported an error; 2026-07-28
      // completes it (its result says isError).
      const TaskStatus status = !modern && result.is_error()
                                    ? TaskStatus::kFailed
                                    : TaskStatus::kCompleted;
      store.Finish(task_id, status, result.ToJson(), nullptr);
    } catch (const std::exception& error) {
      LogError(absl::StrCat("session: task ", name, " failed: ", error.what()));
      store.Finish(task_id, TaskStatus::kFailed, nullptr,
                   {{"code", kInternalError}, {"message", "Internal error"}});
    } catch (...) {
      store.Finish(task_id, TaskStatus::kFailed, nullptr,
                   {{"code", kInternalError}, {"message", "Internal error"}});
    }
  };
  bool started = false;
  try {
    started = ThreadCache::Shared().TryRun(std::move(run));
  } catch (const std::exception& error) {
    LogError(absl::StrCat("session: cannot start a task: ", error.what()));
  }
  if (!started) {
    store.Remove(task_id);
    Send(MakeError(id, kServerBusy,
                   absl::StrCat("the gateway is busy: ",
                                ThreadCache::Shared().max_threads(),
                                " calls are in flight; retry in a second")),
         id);
    return true;
  }
  json result = TaskObject(*created, modern, store.limits());
  if (modern) {
    result["resultType"] = "task";
  } else {
    result = json{{"task", std::move(result)}};
  }
  Send(MakeResult(id, std::move(result)), id);
  return true;
}

bool Session::HandleTaskRequest(const Message& request,
                                const RequestContext& context) {
  const std::string& method = request.method;
  const bool modern = context.stateless;
  // The methods of each revision: 2026-07-28's extension has no
  // tasks/result or tasks/list, 2025-11-25 no tasks/update.
  const bool known = modern
                         ? (method == "tasks/get" || method == "tasks/cancel" ||
                            method == "tasks/update")
                         : (method == "tasks/get" || method == "tasks/cancel" ||
                            method == "tasks/result" || method == "tasks/list");
  if (!known || !TasksEnabled(context)) return false;
  const json& id = request.id;
  if (modern && !DeclaresTasksExtension(context.client_capabilities)) {
    Send(MissingTasksExtension(id), id);
    return true;
  }
  TaskStore& store = TaskStore::Shared();
  const TaskOwner owner = TaskOwnerOf(context);
  if (method == "tasks/list") {
    json tasks = json::array();
    for (const TaskView& task : store.List(owner)) {
      tasks.push_back(TaskObject(task, false, store.limits()));
    }
    Send(MakeResult(id, json{{"tasks", std::move(tasks)}}), id);
    return true;
  }
  // Types were checked (params.h): taskId is a string.
  const std::string task_id = request.params["taskId"].get<std::string>();
  if (method == "tasks/result") {
    AwaitTaskResult(id, owner, task_id);
    return true;
  }
  absl::StatusOr<TaskView> task = method == "tasks/cancel"
                                      ? store.Cancel(owner, task_id)
                                      : store.Get(owner, task_id);
  if (!task.ok()) {
    Send(TaskError(id, task.status()), id);
    return true;
  }
  if (method == "tasks/cancel" && modern) {
    // An acknowledgement, whatever the task's state; tasks/get tells.
    Send(MakeResult(id, json::object()), id);
    return true;
  }
  if (method == "tasks/cancel" && task->was_terminal) {
    Send(MakeError(id, kInvalidParams,
                   absl::StrCat("Invalid params: task ", task_id,
                                " has already ended (",
                                TaskStatusName(task->status), ")")),
         id);
    return true;
  }
  if (method == "tasks/update") {
    // Answers to keys the task does not (or no longer) wait for are
    // ignored.
    const json& params = request.params;
    absl::Status updated = store.Update(owner, task_id,
                                        params.contains("inputResponses")
                                            ? params["inputResponses"]
                                            : json::object());
    if (!updated.ok()) {
      Send(TaskError(id, updated), id);
    } else {
      Send(MakeResult(id, json::object()), id);
    }
    return true;
  }
  json result = TaskObject(*task, modern, store.limits());
  if (modern && task->status == TaskStatus::kCompleted) {
    result["result"] = task->result;
  }
  if (modern && task->status == TaskStatus::kFailed) {
    result["error"] = task->error;
  }
  if (modern && task->status == TaskStatus::kInputRequired) {
    result["inputRequests"] = task->input_requests;
  }
  Send(MakeResult(id, std::move(result)), id);
  return true;
}

void Session::AwaitTaskResult(const json& id, const TaskOwner& owner,
                              const std::string& task_id) {
  // The answer waits for the task: on a thread of the cache, counted as a
  // running call, so that the session keeps reading and a close or a
  // notifications/cancelled ends the wait.
  auto token = std::make_shared<CancellationToken>();
  const std::string key = IdKey(id);
  if (!BeginCall(id, key, token)) return;
  auto wait = [this, id, key, owner, task_id, token] {
    try {
      TaskStore& store = TaskStore::Shared();
      absl::StatusOr<TaskView> task = store.Await(
          owner, task_id, absl::Now() + store.limits().ttl, token.get());
      if (token->cancelled()) {
        Send(nullptr, id);
      } else if (!task.ok()) {
        Send(TaskError(id, task.status()), id);
      } else if (!task->result.is_null()) {
        json result = task->result;
        result["_meta"][kRelatedTaskMeta] = {{"taskId", task_id}};
        Send(MakeResult(id, std::move(result)), id);
      } else if (task->status == TaskStatus::kFailed) {
        Send(MakeError(id, task->error.value("code", kInternalError),
                       task->error.value("message", "Internal error")),
             id);
      } else {
        Send(MakeError(id, kInvalidParams,
                       absl::StrCat("Invalid params: task ", task_id, " is ",
                                    TaskStatusName(task->status))),
             id);
      }
    } catch (const std::exception& error) {
      LogError(absl::StrCat("session: tasks/result failed: ", error.what()));
      Send(MakeError(id, kInternalError, "Internal error"), id);
    }
    EndToolCall(key, token);
  };
  bool started = false;
  try {
    started = ThreadCache::Shared().TryRun(std::move(wait));
  } catch (const std::exception& error) {
    LogError(absl::StrCat("session: cannot wait for a task: ", error.what()));
  }
  if (!started) {
    EndToolCall(key, token);
    Send(MakeError(id, kServerBusy,
                   "the gateway is busy; poll with tasks/get or retry"),
         id);
  }
}

}  // namespace mfgate::mcp
