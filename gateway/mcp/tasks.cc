#include "gateway/mcp/tasks.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/random_hex.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

// Whether two weak pointers name the same object (or are both empty),
// compared by control block: it outlives the object while a weak pointer
// to it exists, so it cannot be reused meanwhile.
bool Same(const std::weak_ptr<const void>& a,
          const std::weak_ptr<const void>& b) {
  return !a.owner_before(b) && !b.owner_before(a);
}

bool SameOwner(const TaskOwner& a, const TaskOwner& b) {
  return Same(a.tenant, b.tenant) && Same(a.session, b.session);
}

}  // namespace

absl::string_view TaskStatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kWorking:
      return "working";
    case TaskStatus::kInputRequired:
      return "input_required";
    case TaskStatus::kCompleted:
      return "completed";
    case TaskStatus::kFailed:
      return "failed";
    case TaskStatus::kCancelled:
      return "cancelled";
  }
  return "working";
}

TaskStore::TaskStore(TaskLimits limits) : limits_(limits) {}

TaskStore& TaskStore::Shared() {
  static TaskStore* const store = new TaskStore();
  return *store;
}

void TaskStore::Sweep(absl::Time now) {
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    const TaskView& view = it->second.view;
    if (view.terminal() && now >= view.created + view.ttl) {
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
}

TaskStore::Task* TaskStore::Find(const TaskOwner& owner,
                                 const std::string& id) {
  auto found = tasks_.find(id);
  if (found == tasks_.end() || !SameOwner(found->second.owner, owner)) {
    return nullptr;
  }
  return &found->second;
}

absl::StatusOr<TaskView> TaskStore::Create(
    const TaskOwner& owner, absl::Duration ttl,
    std::shared_ptr<CancellationToken> token) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  Sweep(now);
  if (static_cast<int>(tasks_.size()) >= limits_.total) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many tasks in the gateway (limit ", limits_.total,
                     "); retry when some have ended"));
  }
  const int of_tenant = static_cast<int>(
      std::count_if(tasks_.begin(), tasks_.end(), [&](const auto& entry) {
        return Same(entry.second.owner.tenant, owner.tenant);
      }));
  if (of_tenant >= limits_.per_tenant) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many tasks for this tenant (limit ",
                     limits_.per_tenant, "); retry when some have ended"));
  }
  Task task;
  task.owner = owner;
  task.token = std::move(token);
  task.view.id = RandomHex(16);  // Unguessable: no probing for tasks.
  task.view.created = now;
  task.view.updated = now;
  task.view.ttl =
      ttl <= absl::ZeroDuration() ? limits_.ttl : std::min(ttl, limits_.ttl);
  TaskView view = task.view;
  tasks_.emplace(view.id, std::move(task));
  ++calls_running_;
  return view;
}

void TaskStore::Finish(const std::string& id, TaskStatus status, json result,
                       json error) {
  absl::MutexLock lock(&mu_);
  auto found = tasks_.find(id);
  if (found == tasks_.end() || found->second.view.terminal()) return;
  TaskView& view = found->second.view;
  view.status = status;
  view.updated = absl::Now();
  view.result = std::move(result);
  view.error = std::move(error);
  view.input_requests = nullptr;
  found->second.token.reset();
}

absl::StatusOr<json> TaskStore::AwaitInput(const std::string& id, json requests,
                                           absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto found = tasks_.find(id);
  if (found == tasks_.end() || found->second.view.terminal()) {
    return absl::CancelledError("the task has ended");
  }
  Task* task = &found->second;
  task->view.status = TaskStatus::kInputRequired;
  task->view.updated = absl::Now();
  task->view.input_requests = std::move(requests);
  task->responses = json::object();
  // Found again on each look: the map never moves a node, but the task
  // may have been dropped (CancelAll).
  auto settled = [this, &id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = tasks_.find(id);
    return it == tasks_.end() || it->second.view.terminal() ||
           it->second.view.input_requests.empty();
  };
  mu_.AwaitWithDeadline(absl::Condition(&settled), deadline);
  found = tasks_.find(id);
  if (found == tasks_.end() || found->second.view.terminal()) {
    return absl::CancelledError("the task was cancelled");
  }
  task = &found->second;
  if (!task->view.input_requests.empty()) {
    return absl::DeadlineExceededError(
        "the client did not answer the task's input requests in time");
  }
  task->view.status = TaskStatus::kWorking;
  task->view.updated = absl::Now();
  task->view.input_requests = nullptr;
  return std::exchange(task->responses, json());
}

absl::Status TaskStore::Update(const TaskOwner& owner, const std::string& id,
                               const json& responses) {
  absl::MutexLock lock(&mu_);
  Task* task = Find(owner, id);
  if (task == nullptr) return absl::NotFoundError("unknown task id");
  if (!responses.is_object()) {
    return absl::InvalidArgumentError("\"inputResponses\" must be an object");
  }
  json& pending = task->view.input_requests;
  if (task->view.status != TaskStatus::kInputRequired || !pending.is_object()) {
    return absl::OkStatus();
  }
  for (const auto& [key, answer] : responses.items()) {
    if (pending.erase(key) > 0) task->responses[key] = answer;
  }
  task->view.updated = absl::Now();
  return absl::OkStatus();
}

void TaskStore::Remove(const std::string& id) {
  absl::MutexLock lock(&mu_);
  tasks_.erase(id);
  --calls_running_;
}

void TaskStore::CallEnded() {
  absl::MutexLock lock(&mu_);
  --calls_running_;
}

bool TaskStore::AwaitCallsEnded(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return calls_running_ <= 0;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&ended), deadline);
}

absl::StatusOr<TaskView> TaskStore::Get(const TaskOwner& owner,
                                        const std::string& id) {
  absl::MutexLock lock(&mu_);
  Sweep(absl::Now());
  const Task* task = Find(owner, id);
  if (task == nullptr) return absl::NotFoundError("unknown task id");
  return task->view;
}

absl::StatusOr<TaskView> TaskStore::Cancel(const TaskOwner& owner,
                                           const std::string& id) {
  std::shared_ptr<CancellationToken> token;
  TaskView view;
  {
    absl::MutexLock lock(&mu_);
    Sweep(absl::Now());
    Task* task = Find(owner, id);
    if (task == nullptr) return absl::NotFoundError("unknown task id");
    if (task->view.terminal()) {
      view = task->view;
      view.was_terminal = true;
      return view;
    }
    task->view.status = TaskStatus::kCancelled;
    task->view.updated = absl::Now();
    task->view.input_requests = nullptr;
    token = std::move(task->token);
    view = task->view;
  }
  // The token's callback cancels the worker call: never under our lock.
  if (token != nullptr) token->Cancel();
  return view;
}

absl::StatusOr<TaskView> TaskStore::Await(const TaskOwner& owner,
                                          const std::string& id,
                                          absl::Time deadline,
                                          CancellationToken* stop) {
  // A cancel takes the lock once, so that the wait below looks again.
  stop->OnCancel([this] { absl::MutexLock lock(&mu_); });
  absl::MutexLock lock(&mu_);
  if (Find(owner, id) == nullptr) return absl::NotFoundError("unknown task id");
  auto ended = [this, &owner, &id, stop]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const Task* task = Find(owner, id);
    return task == nullptr || task->view.terminal() || stop->cancelled();
  };
  mu_.AwaitWithDeadline(absl::Condition(&ended), deadline);
  const Task* task = Find(owner, id);
  if (task == nullptr) return absl::NotFoundError("unknown task id");
  return task->view;
}

std::vector<TaskView> TaskStore::List(const TaskOwner& owner) {
  absl::MutexLock lock(&mu_);
  Sweep(absl::Now());
  std::vector<TaskView> views;
  for (const auto& [id, task] : tasks_) {
    if (SameOwner(task.owner, owner)) views.push_back(task.view);
  }
  std::sort(views.begin(), views.end(),
            [](const TaskView& a, const TaskView& b) {
              return a.created < b.created;
            });
  return views;
}

void TaskStore::CancelAll() {
  std::vector<std::shared_ptr<CancellationToken>> tokens;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      Task& task = it->second;
      if (task.view.terminal()) {
        it = tasks_.erase(it);
        continue;
      }
      task.view.status = TaskStatus::kCancelled;
      task.view.updated = now;
      task.view.input_requests = nullptr;
      tokens.push_back(std::move(task.token));
      ++it;
    }
  }
  // Their callbacks cancel the worker calls: never under our lock.
  for (const auto& token : tokens) {
    if (token != nullptr) token->Cancel();
  }
}

}  // namespace mfgate::mcp
