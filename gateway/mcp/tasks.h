// TaskStore: the tasks of long tool calls (MCP tasks: 2025-11-25's
// experimental tasks and the 2026-07-28 tasks extension), kept in memory
// in the process that runs them.
//
// A task belongs to an owner: its tenant and, for a session's task, its
// session. Each owner is an object's identity (the control block of a
// shared_ptr, held weakly, so an address reused after a tenant or session
// ends never matches an old task). Every lookup names its owner: a task of
// another tenant or session is NotFound, exactly as an id that never
// existed, so ids reveal nothing across owners.
//
// Bounded: at most `per_tenant` tasks per tenant and `total` in all, kept
// or running; past that Create is ResourceExhausted naming the limit. A
// task is kept for its ttl from its creation, and while it runs; once it
// has ended and its ttl has passed it is dropped, result and all (expired
// tasks are swept on every call). Ids are 128 random bits.
//
// Thread-safe.
#ifndef MFGATE_GATEWAY_MCP_TASKS_H_
#define MFGATE_GATEWAY_MCP_TASKS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/mcp/tool_provider.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

struct TaskLimits {
  int per_tenant = 32;
  int total = 256;
  // How long a task is kept from its creation (and at least until it ends).
  absl::Duration ttl = absl::Minutes(10);
  // The polling interval suggested to clients.
  absl::Duration poll_interval = absl::Seconds(1);
};

// Who may see a task: its tenant and, for a session's task, its session
// (empty for a task of a stateless request: any request of the tenant).
struct TaskOwner {
  std::weak_ptr<const void> tenant;
  std::weak_ptr<const void> session;
};

enum class TaskStatus {
  kWorking,
  kInputRequired,
  kCompleted,
  kFailed,
  kCancelled
};

// The status's wire name: working, input_required, completed, failed,
// cancelled.
absl::string_view TaskStatusName(TaskStatus status);

// A task as it is at one moment.
struct TaskView {
  std::string id;
  TaskStatus status = TaskStatus::kWorking;
  absl::Time created;
  absl::Time updated;
  absl::Duration ttl;
  // A completed task's result (a CallToolResult), or a failed task's
  // JSON-RPC error object; null otherwise.
  nlohmann::json result;
  nlohmann::json error;
  // An input_required task's unanswered requests to its client, by key
  // ({method, params} each); null otherwise.
  nlohmann::json input_requests;
  // Whether the task had ended before this call (Cancel).
  bool was_terminal = false;

  bool terminal() const {
    return status != TaskStatus::kWorking &&
           status != TaskStatus::kInputRequired;
  }
};

class TaskStore {
 public:
  explicit TaskStore(TaskLimits limits = {});
  TaskStore(const TaskStore&) = delete;
  TaskStore& operator=(const TaskStore&) = delete;

  // The process's store; never destroyed (task threads may outlive statics).
  static TaskStore& Shared();

  const TaskLimits& limits() const { return limits_; }

  // Registers a working task of `owner` kept for `ttl` (clamped to the
  // limit's); Cancel cancels `token`. ResourceExhausted past a bound.
  // The task's call counts as running from here until CallEnded (or
  // Remove, when it could not be started).
  absl::StatusOr<TaskView> Create(const TaskOwner& owner, absl::Duration ttl,
                                  std::shared_ptr<CancellationToken> token);
  // Ends a working task with `status` (a cancelled one stays cancelled):
  // `result` is its CallToolResult (completed, or failed by a tool error
  // under 2025-11-25), `error` its JSON-RPC error (failed).
  void Finish(const std::string& id, TaskStatus status, nlohmann::json result,
              nlohmann::json error);
  // The task's call needs `requests` (an object of {method, params} by
  // key) answered by its client: the task is input_required until
  // Update has answered every key, `deadline` passes (DeadlineExceeded) or
  // it is cancelled (Cancelled). Returns the answers by key; the task is
  // working again. Called from the task's own call only.
  absl::StatusOr<nlohmann::json> AwaitInput(const std::string& id,
                                            nlohmann::json requests,
                                            absl::Time deadline);
  // Answers what an input_required task of `owner` asks: each key of
  // `responses` it still waits for (others are ignored, as are answers to
  // a task that asks nothing). NotFound unless `owner` owns task `id`.
  absl::Status Update(const TaskOwner& owner, const std::string& id,
                      const nlohmann::json& responses);
  // Forgets task `id` (it could not be started): its call never ran.
  void Remove(const std::string& id);
  // The call of a task Create registered has returned, from its thread;
  // that thread touches nothing of the caller's after this.
  void CallEnded();
  // Blocks until no task's call is running or `deadline` passes; whether
  // none is. Whoever owns what task calls use (the tools) waits here, after
  // CancelAll, before destroying it.
  bool AwaitCallsEnded(absl::Time deadline);

  // NotFound unless `owner` owns task `id`.
  absl::StatusOr<TaskView> Get(const TaskOwner& owner, const std::string& id);
  // Marks a working task cancelled and cancels its call; a task that had
  // ended is returned unchanged with was_terminal set.
  absl::StatusOr<TaskView> Cancel(const TaskOwner& owner,
                                  const std::string& id);
  // Blocks until task `id` has ended, `deadline` passes or `stop` is
  // cancelled; returns the task as it then is.
  absl::StatusOr<TaskView> Await(const TaskOwner& owner, const std::string& id,
                                 absl::Time deadline, CancellationToken* stop);
  // The tasks of `owner`, oldest first.
  std::vector<TaskView> List(const TaskOwner& owner);
  // The process is draining: cancels every working task and its call (a
  // poll sees it cancelled; its call's result, when it returns, is not
  // kept) and drops every ended task, result and all.
  void CancelAll();

 private:
  struct Task {
    TaskOwner owner;
    TaskView view;
    std::shared_ptr<CancellationToken> token;
    // The answers received so far to view.input_requests.
    nlohmann::json responses;
  };

  void Sweep(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Task* Find(const TaskOwner& owner, const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TaskLimits limits_;
  absl::Mutex mu_;
  std::map<std::string, Task> tasks_ ABSL_GUARDED_BY(mu_);
  // Calls of tasks running on their threads (Create .. CallEnded).
  int calls_running_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_TASKS_H_
