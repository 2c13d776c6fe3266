#include "gateway/mcp/tasks.h"

#include <memory>
#include <thread>

#include "gtest/gtest.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

class TaskStoreTest : public ::testing::Test {
 protected:
  TaskOwner Tenant(const std::shared_ptr<const void>& tenant,
                   const std::shared_ptr<const void>& session = nullptr) {
    return TaskOwner{tenant, session};
  }
  std::shared_ptr<const void> a_ = std::make_shared<int>(1);
  std::shared_ptr<const void> b_ = std::make_shared<int>(2);
};

TEST_F(TaskStoreTest, AnotherTenantsTaskIsNotFound) {
  TaskStore store;
  auto created = store.Create(Tenant(a_), absl::ZeroDuration(),
                              std::make_shared<CancellationToken>());
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(store.Get(Tenant(a_), created->id).ok());
  EXPECT_TRUE(absl::IsNotFound(store.Get(Tenant(b_), created->id).status()));
  EXPECT_TRUE(absl::IsNotFound(store.Cancel(Tenant(b_), created->id).status()));
  EXPECT_TRUE(store.List(Tenant(b_)).empty());
  // A session's task is its session's alone, even within its tenant.
  auto session = std::make_shared<int>(3);
  auto of_session = store.Create(Tenant(a_, session), absl::ZeroDuration(),
                                 std::make_shared<CancellationToken>());
  ASSERT_TRUE(of_session.ok());
  EXPECT_TRUE(absl::IsNotFound(store.Get(Tenant(a_), of_session->id).status()));
  EXPECT_TRUE(store.Get(Tenant(a_, session), of_session->id).ok());
  EXPECT_EQ(store.List(Tenant(a_)).size(), 1u);
}

TEST_F(TaskStoreTest, BoundedPerTenantAndInAll) {
  TaskLimits limits;
  limits.per_tenant = 2;
  limits.total = 3;
  TaskStore store(limits);
  auto token = std::make_shared<CancellationToken>();
  ASSERT_TRUE(store.Create(Tenant(a_), absl::ZeroDuration(), token).ok());
  ASSERT_TRUE(store.Create(Tenant(a_), absl::ZeroDuration(), token).ok());
  absl::Status third =
      store.Create(Tenant(a_), absl::ZeroDuration(), token).status();
  EXPECT_TRUE(absl::IsResourceExhausted(third));
  EXPECT_NE(third.message().find("tenant (limit 2)"), std::string::npos);
  ASSERT_TRUE(store.Create(Tenant(b_), absl::ZeroDuration(), token).ok());
  absl::Status fourth =
      store.Create(Tenant(b_), absl::ZeroDuration(), token).status();
  EXPECT_TRUE(absl::IsResourceExhausted(fourth));
  EXPECT_NE(fourth.message().find("gateway (limit 3)"), std::string::npos);
}

TEST_F(TaskStoreTest, EndedTaskIsDroppedAfterItsTtl) {
  TaskStore store;
  auto created = store.Create(Tenant(a_), absl::Milliseconds(50),
                              std::make_shared<CancellationToken>());
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->ttl, absl::Milliseconds(50));
  // A running task outlives its ttl.
  absl::SleepFor(absl::Milliseconds(60));
  EXPECT_TRUE(store.Get(Tenant(a_), created->id).ok());
  store.Finish(created->id, TaskStatus::kCompleted, json{{"content", 1}},
               nullptr);
  EXPECT_TRUE(absl::IsNotFound(store.Get(Tenant(a_), created->id).status()));
}

TEST_F(TaskStoreTest, CancelCancelsTheCallAndStaysCancelled) {
  TaskStore store;
  auto token = std::make_shared<CancellationToken>();
  auto created = store.Create(Tenant(a_), absl::ZeroDuration(), token);
  ASSERT_TRUE(created.ok());
  auto cancelled = store.Cancel(Tenant(a_), created->id);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_FALSE(cancelled->was_terminal);
  EXPECT_TRUE(token->cancelled());
  store.Finish(created->id, TaskStatus::kCompleted, json{{"content", 1}},
               nullptr);
  auto after = store.Get(Tenant(a_), created->id);
  EXPECT_EQ(after->status, TaskStatus::kCancelled);
  EXPECT_TRUE(after->result.is_null());
  EXPECT_TRUE(store.Cancel(Tenant(a_), created->id)->was_terminal);
}

// Draining: every running call is cancelled and stays cancelled when it
// returns; what ended before is dropped, result and all.
TEST_F(TaskStoreTest, CancelAllCancelsRunningTasksAndDropsEndedOnes) {
  TaskStore store;
  auto running_token = std::make_shared<CancellationToken>();
  auto running = store.Create(Tenant(a_), absl::ZeroDuration(), running_token);
  auto done = store.Create(Tenant(b_), absl::ZeroDuration(),
                           std::make_shared<CancellationToken>());
  ASSERT_TRUE(running.ok() && done.ok());
  store.Finish(done->id, TaskStatus::kCompleted, json{{"content", "secret"}},
               nullptr);

  store.CancelAll();

  EXPECT_TRUE(running_token->cancelled());
  auto after = store.Get(Tenant(a_), running->id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, TaskStatus::kCancelled);
  store.Finish(running->id, TaskStatus::kCompleted, json{{"content", "late"}},
               nullptr);
  after = store.Get(Tenant(a_), running->id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, TaskStatus::kCancelled);
  EXPECT_TRUE(after->result.is_null());
  EXPECT_TRUE(absl::IsNotFound(store.Get(Tenant(b_), done->id).status()));
  EXPECT_TRUE(store.List(Tenant(b_)).empty());
}

// A task that needs input is input_required, showing only what is still
// unanswered, until every key is answered; its call then gets the answers.
TEST_F(TaskStoreTest, InputRequiredUntilEveryRequestIsAnswered) {
  TaskStore store;
  auto created = store.Create(Tenant(a_), absl::ZeroDuration(),
                              std::make_shared<CancellationToken>());
  ASSERT_TRUE(created.ok());
  const std::string id = created->id;
  absl::StatusOr<json> answers;
  std::thread call([&] {
    answers =
        store.AwaitInput(id,
                         json{{"one", {{"method", "elicitation/create"}}},
                              {"two", {{"method", "elicitation/create"}}}},
                         absl::Now() + absl::Seconds(30));
  });
  // The call's thread parks the task: wait (bounded) until it has.
  absl::StatusOr<TaskView> view;
  for (int i = 0; i < 3000; ++i) {
    view = store.Get(Tenant(a_), id);
    if (view.ok() && view->status == TaskStatus::kInputRequired) break;
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_TRUE(view.ok());
  ASSERT_EQ(view->status, TaskStatus::kInputRequired);
  EXPECT_FALSE(view->terminal());
  EXPECT_EQ(view->input_requests.size(), 2u);
  EXPECT_TRUE(absl::IsNotFound(
      store.Update(Tenant(b_), id, json{{"one", 1}, {"two", 2}})));
  ASSERT_TRUE(
      store.Update(Tenant(a_), id, json{{"one", 1}, {"unknown", 0}}).ok());
  view = store.Get(Tenant(a_), id);
  EXPECT_EQ(view->status, TaskStatus::kInputRequired);
  EXPECT_EQ(view->input_requests,
            json({{"two", {{"method", "elicitation/create"}}}}));
  ASSERT_TRUE(store.Update(Tenant(a_), id, json{{"two", 2}}).ok());
  call.join();
  ASSERT_TRUE(answers.ok()) << answers.status();
  EXPECT_EQ(*answers, json({{"one", 1}, {"two", 2}}));
  EXPECT_EQ(store.Get(Tenant(a_), id)->status, TaskStatus::kWorking);
}

TEST_F(TaskStoreTest, CancelEndsAWaitForInput) {
  TaskStore store;
  auto created = store.Create(Tenant(a_), absl::ZeroDuration(),
                              std::make_shared<CancellationToken>());
  ASSERT_TRUE(created.ok());
  absl::StatusOr<json> answers;
  std::thread call([&] {
    answers = store.AwaitInput(created->id, json{{"one", json::object()}},
                               absl::Now() + absl::Seconds(30));
  });
  for (int i = 0; i < 3000; ++i) {
    if (store.Get(Tenant(a_), created->id)->status ==
        TaskStatus::kInputRequired) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_TRUE(store.Cancel(Tenant(a_), created->id).ok());
  call.join();
  EXPECT_TRUE(absl::IsCancelled(answers.status())) << answers.status();
  EXPECT_EQ(store.Get(Tenant(a_), created->id)->status, TaskStatus::kCancelled);
}

TEST_F(TaskStoreTest, AwaitReturnsWhenTheTaskEndsOrItsWaitIsCancelled) {
  TaskStore store;
  auto created = store.Create(Tenant(a_), absl::ZeroDuration(),
                              std::make_shared<CancellationToken>());
  ASSERT_TRUE(created.ok());
  CancellationToken stop;
  std::thread finisher([&] {
    store.Finish(created->id, TaskStatus::kCompleted, json{{"content", 2}},
                 nullptr);
  });
  auto ended = store.Await(Tenant(a_), created->id,
                           absl::Now() + absl::Seconds(30), &stop);
  finisher.join();
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->status, TaskStatus::kCompleted);
  EXPECT_EQ(ended->result["content"], 2);

  auto running = store.Create(Tenant(a_), absl::ZeroDuration(),
                              std::make_shared<CancellationToken>());
  ASSERT_TRUE(running.ok());
  std::thread canceller([&] { stop.Cancel(); });
  const absl::Time start = absl::Now();
  auto waited = store.Await(Tenant(a_), running->id,
                            absl::Now() + absl::Seconds(30), &stop);
  canceller.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  EXPECT_EQ(waited->status, TaskStatus::kWorking);
}

// A task's call counts as running from Create until its thread says it
// ended (or Remove says it never ran): only then may the tools go.
TEST_F(TaskStoreTest, CallsRunFromCreateUntilTheirThreadEnds) {
  TaskStore store;
  EXPECT_TRUE(store.AwaitCallsEnded(absl::Now()));
  auto first = store.Create(Tenant(a_), absl::ZeroDuration(),
                            std::make_shared<CancellationToken>());
  auto second = store.Create(Tenant(a_), absl::ZeroDuration(),
                             std::make_shared<CancellationToken>());
  ASSERT_TRUE(first.ok() && second.ok());
  store.Remove(second->id);
  // Finished or cancelled, a task's call may still be returning.
  store.CancelAll();
  EXPECT_FALSE(store.AwaitCallsEnded(absl::Now() + absl::Milliseconds(20)));
  std::thread call([&store] { store.CallEnded(); });
  EXPECT_TRUE(store.AwaitCallsEnded(absl::Now() + absl::Seconds(10)));
  call.join();
}

}  // namespace
}  // namespace mfgate::mcp
