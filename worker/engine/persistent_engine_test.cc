#include "worker/engine/persistent_engine.h"

#include <signal.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mfgate::engine {
namespace {

// As the worker's main does: an engine a test killed shows as EPIPE on the
// next write, not as a SIGPIPE that ends the test process.
const auto kIgnoreSigpipe = signal(SIGPIPE, SIG_IGN);

PersistentEngineOptions FakeEngine(const std::string& mode) {
  PersistentEngineOptions options;
  options.argv = {"worker/engine/fake_engine", mode};
  options.cancel_grace = absl::Milliseconds(300);
  options.min_backoff = absl::Milliseconds(20);
  options.max_backoff = absl::Milliseconds(100);
  options.startup_timeout = absl::Seconds(10);
  return options;
}

v1::EngineRequest ListMetrics(const std::string& command = "") {
  v1::EngineRequest request;
  request.mutable_list_metrics()->add_search(command);
  return request;
}

// The pid of the fake engine (mode "commands") that answered.
std::string Answerer(const absl::StatusOr<v1::EngineResponse>& response) {
  if (!response.ok() || response->list_metrics().metrics_size() != 1) {
    return "none";
  }
  return response->list_metrics().metrics(0).name();
}

absl::Time In(absl::Duration d) { return absl::Now() + d; }

bool WaitReady(const PersistentEngine& engine) {
  absl::Time deadline = In(absl::Seconds(10));
  while (!engine.Ready() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  return engine.Ready();
}

// Until the engine would take a request at once.
bool WaitIdle(const PersistentEngine& engine) {
  absl::Time deadline = In(absl::Seconds(10));
  while (!engine.Idle() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  return engine.Idle();
}

TEST(PersistentEngineTest, ServesManyRequestsFromOneProcess) {
  PersistentEngine engine(FakeEngine("serve"));
  for (int i = 0; i < 20; ++i) {
    auto response = engine.Call(ListMetrics(), In(absl::Seconds(10)), nullptr);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_EQ(response->list_metrics().metrics_size(), 1);
    EXPECT_EQ(response->id(), static_cast<uint64_t>(i + 1));
  }
  EXPECT_EQ(engine.starts(), 1);
  ASSERT_TRUE(engine.ready_info().has_value());
  EXPECT_EQ(engine.ready_info()->metricflow_version(), "fake");
}

TEST(PersistentEngineTest, ConcurrentCallersAreSerialized) {
  PersistentEngine engine(FakeEngine("serve"));
  std::atomic<int> ok{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      for (int j = 0; j < 10; ++j) {
        if (engine.Call(ListMetrics(), In(absl::Seconds(10)), nullptr).ok())
          ++ok;
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(ok.load(), 80);
}

TEST(PersistentEngineTest, KilledProcessIsRestartedAndTheNextCallAnswered) {
  PersistentEngine engine(FakeEngine("serve"));
  ASSERT_TRUE(WaitReady(engine));
  pid_t first = engine.pid();
  ASSERT_GT(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  auto response = engine.Call(ListMetrics(), In(absl::Seconds(10)), nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_NE(engine.pid(), first);
  EXPECT_GE(engine.starts(), 2);
}

TEST(PersistentEngineTest, DeadlineKillsAHungRequestAndRecovers) {
  PersistentEngine engine(FakeEngine("hang"));
  ASSERT_TRUE(WaitReady(engine));
  pid_t first = engine.pid();
  auto response =
      engine.Call(ListMetrics(), In(absl::Milliseconds(200)), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  // It ignores the cancel: killed after the grace, and replaced.
  ASSERT_TRUE(WaitIdle(engine));
  EXPECT_NE(engine.pid(), first);
}

TEST(PersistentEngineTest, CancellationStopsTheRequest) {
  PersistentEngine engine(FakeEngine("hang"));
  ASSERT_TRUE(WaitReady(engine));
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(100));
    cancel = true;
  });
  absl::Time start = absl::Now();
  auto response = engine.Call(ListMetrics(), In(absl::Seconds(30)),
                              [&] { return cancel.load(); });
  canceller.join();
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// A cancelled request is stopped by its process (told with a cancel frame),
// which then serves on: no kill, no restart.
TEST(PersistentEngineTest, ACancelledRequestStopsAndTheSameProcessServesOn) {
  PersistentEngine engine(FakeEngine("commands"));
  ASSERT_TRUE(WaitReady(engine));
  const pid_t pid = engine.pid();
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(100));
    cancel = true;
  });
  absl::Time start = absl::Now();
  auto response = engine.Call(ListMetrics("hang"), In(absl::Seconds(30)),
                              [&] { return cancel.load(); });
  canceller.join();
  EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  // The deadline of the next one stops it the same way.
  response =
      engine.Call(ListMetrics("hang"), In(absl::Milliseconds(100)), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  response = engine.Call(ListMetrics(), In(absl::Seconds(10)), nullptr);
  EXPECT_EQ(Answerer(response), absl::StrCat("pid:", pid));
  EXPECT_EQ(engine.starts(), 1);
}

// A process that does not stop a cancelled request within cancel_grace is
// killed and replaced at once, however often it happens: it was stopped for
// the request, not for a fault of its own (the backoff used to grow with
// each such kill, delaying every later call).
TEST(PersistentEngineTest, AProcessThatIgnoresCancelsIsReplacedWithoutBackoff) {
  PersistentEngineOptions options = FakeEngine("commands");
  options.min_backoff = absl::Seconds(5);
  options.max_backoff = absl::Seconds(30);
  PersistentEngine engine(options);
  ASSERT_TRUE(WaitReady(engine));
  for (int i = 0; i < 3; ++i) {
    const pid_t before = engine.pid();
    auto response =
        engine.Call(ListMetrics("ignore"), In(absl::Milliseconds(50)), nullptr);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
    const absl::Time stopped = absl::Now();
    response = engine.Call(ListMetrics(), In(absl::Seconds(10)), nullptr);
    EXPECT_NE(Answerer(response), "none") << response.status();
    EXPECT_NE(Answerer(response), absl::StrCat("pid:", before));
    // The grace (0.3 s) and a start, not the 5 s backoff.
    EXPECT_LT(absl::Now() - stopped, absl::Seconds(3)) << "round " << i;
  }
  EXPECT_EQ(engine.starts(), 4);
}

v1::EngineRequest Query(const std::string& command) {
  v1::EngineRequest request;
  request.mutable_query()->set_where(command);
  return request;
}

TEST(PersistentEngineTest, AQuerysColumnsReachTheCallerAsRows) {
  PersistentEngine engine(FakeEngine("commands"));
  absl::StatusOr<v1::EngineResponse> response =
      engine.Call(Query("columns"), In(absl::Seconds(10)), nullptr);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(response->has_query_columns());
  ASSERT_EQ(response->query().rows_size(), 3);
  EXPECT_EQ(response->query().rows(0).values(0).int_value(), 7);
  EXPECT_EQ(response->query().rows(1).values(0).kind_case(),
            v1::Value::KIND_NOT_SET);
  EXPECT_EQ(response->query().rows(2).values(0).int_value(), 9);
}

TEST(PersistentEngineTest, MalformedColumnsAreAnInternalErrorAndServingGoesOn) {
  PersistentEngine engine(FakeEngine("commands"));
  const std::string before =
      Answerer(engine.Call(ListMetrics(), In(absl::Seconds(10)), nullptr));
  absl::StatusOr<v1::EngineResponse> response =
      engine.Call(Query("bad-columns"), In(absl::Seconds(10)), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(response.status().message(),
            "the engine sent a malformed answer: column 0 has 2 ints for 3 "
            "rows");
  // The same process answers next: the frame was whole, nothing broke.
  EXPECT_EQ(
      Answerer(engine.Call(ListMetrics(), In(absl::Seconds(10)), nullptr)),
      before);
  EXPECT_NE(before, "none");
}

TEST(PersistentEngineTest, CrashDuringARequestIsUnavailableWithTheExitStatus) {
  PersistentEngine engine(FakeEngine("crash"));
  auto response = engine.Call(ListMetrics(), In(absl::Seconds(10)), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("exited with status 3"),
            std::string::npos)
      << response.status();
}

// The engine's answers are outside input too: a frame nested without end,
// or larger than the limit, is refused; the worker stays up and starts a
// fresh engine.
TEST(PersistentEngineTest, HostileFramesAreRefusedAndTheEngineRestarted) {
  for (const char* mode : {"nested", "oversize"}) {
    PersistentEngine engine(FakeEngine(mode));
    auto response = engine.Call(ListMetrics(), In(absl::Seconds(10)), nullptr);
    EXPECT_FALSE(response.ok()) << mode;
    EXPECT_TRUE(response.status().code() == absl::StatusCode::kInternal ||
                response.status().code() == absl::StatusCode::kUnavailable)
        << mode << ": " << response.status();
    absl::Time deadline = In(absl::Seconds(10));
    while (engine.starts() < 2 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_GE(engine.starts(), 2) << mode;
  }
}

// A start that fails (a broken profile, say) is not waited out: callers get
// the cause at once, and keep getting it while the starts fail.
TEST(PersistentEngineTest, CallsFailAtOnceWithTheCauseWhileStartsFail) {
  PersistentEngine engine(FakeEngine("fail-start"));
  absl::Time start = absl::Now();
  auto response = engine.Call(ListMetrics(), In(absl::Seconds(30)), nullptr);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("profile not found"),
            std::string::npos)
      << response.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_NE(engine.StartFailure().find("profile not found"), std::string::npos);
  for (int i = 0; i < 5; ++i) {
    start = absl::Now();
    response = engine.Call(ListMetrics(), In(absl::Seconds(30)), nullptr);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  }
  EXPECT_FALSE(engine.Ready());
}

// Starts that fail are retried on the longer backoff, not hot.
TEST(PersistentEngineTest, FailedStartsAreRetriedWithBackoff) {
  PersistentEngineOptions options = FakeEngine("fail-start");
  options.min_start_backoff = absl::Milliseconds(200);
  options.max_start_backoff = absl::Milliseconds(400);
  PersistentEngine engine(options);
  absl::SleepFor(absl::Seconds(2));
  // At 0, 0.2, 0.6, 1.0, 1.4, 1.8 s: six at most (the restart backoff of
  // a crash, 20 ms here, would have made dozens).
  EXPECT_GE(engine.starts(), 2);
  EXPECT_LE(engine.starts(), 6);
}

TEST(PersistentEngineTest, DestructionDuringAStartDoesNotHang) {
  absl::Time start = absl::Now();
  {
    PersistentEngine engine(FakeEngine("silent"));
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace mfgate::engine
