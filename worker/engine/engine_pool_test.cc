#include "worker/engine/engine_pool.h"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mfgate::engine {
namespace {

// As the worker's main does: an engine a test killed shows as EPIPE on the
// next write, not as a SIGPIPE that ends the test process.
const auto kIgnoreSigpipe = signal(SIGPIPE, SIG_IGN);

// A pool of fake engines (testdata/fake_engine.cc, mode "commands").
EnginePoolOptions Fakes(int size, const std::string& adapter = "none",
                        const std::string& manifest_file = "") {
  EnginePoolOptions options;
  options.engine.argv = {"worker/engine/fake_engine", "commands", adapter};
  if (!manifest_file.empty()) options.engine.argv.push_back(manifest_file);
  options.engine.min_backoff = absl::Milliseconds(20);
  options.engine.max_backoff = absl::Milliseconds(100);
  options.engine.startup_timeout = absl::Seconds(10);
  options.engine.cancel_grace = absl::Milliseconds(300);
  options.size = size;
  options.idle_stop = absl::ZeroDuration();
  return options;
}

absl::Time In(absl::Duration d) { return absl::Now() + d; }

// A metadata request (list_metrics) doing `command`.
v1::EngineRequest Metadata(const std::string& command = "") {
  v1::EngineRequest request;
  request.mutable_list_metrics()->add_search(command);
  return request;
}

// A query doing `command`.
v1::EngineRequest Query(const std::string& command = "") {
  v1::EngineRequest request;
  request.mutable_query()->set_where(command);
  return request;
}

// The pid of the engine that answered, or 0.
pid_t Answerer(const absl::StatusOr<v1::EngineResponse>& response) {
  int pid = 0;
  if (!response.ok() || response->list_metrics().metrics_size() != 1 ||
      !absl::SimpleAtoi(
          absl::string_view(response->list_metrics().metrics(0).name())
              .substr(4),
          &pid)) {
    return 0;
  }
  return pid;
}

template <typename Predicate>
bool WaitFor(Predicate predicate, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = In(timeout);
  while (!predicate()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

// Until `pool` has `calls` calls holding or waiting for an engine: calls
// are made in a known order by waiting for each to arrive.
bool WaitPending(const EnginePool& pool, int calls) {
  return WaitFor([&] { return pool.Pending() == calls; });
}

// Until every engine of `pool` (of `size`) has started and is known.
bool WaitFull(const EnginePool& pool, int size) {
  return WaitFor([&] {
    return pool.Running() == size &&
           pool.Describe().find(absl::StrCat(size, " of ", size)) !=
               std::string::npos;
  });
}

TEST(EnginePoolTest,
     TheFirstEngineReportsTheWarehouseAndThePoolGrowsToItsSize) {
  for (const auto& [adapter, size] :
       {std::pair<std::string, int>{"postgres", 4}, {"duckdb", 2}, {"x", 2}}) {
    EnginePool pool(Fakes(0, adapter));
    EXPECT_TRUE(WaitFull(pool, size)) << adapter << ": " << pool.Describe();
    EXPECT_EQ(pool.Size(), DefaultPoolSize(adapter));
  }
  EnginePool given(Fakes(3, "postgres"));
  EXPECT_TRUE(WaitFull(given, 3)) << given.Describe();
}

TEST(EnginePoolTest, ConcurrentCallsRunOnDifferentEnginesAtOnce) {
  EnginePool pool(Fakes(3));
  ASSERT_TRUE(WaitFull(pool, 3)) << pool.Describe();
  std::mutex mu;
  std::set<pid_t> answerers;
  const absl::Time start = absl::Now();
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&, i] {
      auto response = pool.CallFor(absl::StrCat("s", i), Query("sleep:600"),
                                   In(absl::Seconds(10)), nullptr);
      std::lock_guard<std::mutex> lock(mu);
      answerers.insert(Answerer(response));
    });
  }
  for (auto& caller : callers) caller.join();
  // Three 0.6 s calls, together: well under the 1.8 s of one engine.
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1400));
  EXPECT_EQ(answerers.size(), 3u);
  EXPECT_EQ(answerers.count(0), 0u);
}

TEST(EnginePoolTest, AFullQueueRefusesAtOnceWithARetryHint) {
  EnginePoolOptions options = Fakes(1);
  options.max_queue = 4;
  EnginePool pool(options);
  ASSERT_TRUE(WaitFull(pool, 1));
  std::vector<std::thread> callers;
  for (int i = 0; i < 5; ++i) {  // One runs, four wait.
    callers.emplace_back([&, i] {
      EXPECT_TRUE(pool.CallFor(absl::StrCat("s", i), Query("sleep:400"),
                               In(absl::Seconds(10)), nullptr)
                      .ok());
    });
    ASSERT_TRUE(WaitPending(pool, i + 1)) << pool.Describe();
  }
  const absl::Time start = absl::Now();
  auto refused = pool.CallFor("late", Query(), In(absl::Seconds(10)), nullptr);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("retry in a second"),
            std::string::npos)
      << refused.status();
  for (auto& caller : callers) caller.join();
}

// Once the queue is half full, a session may hold its share of it only.
TEST(EnginePoolTest, ASessionGetsItsShareOfALongQueue) {
  EnginePoolOptions options = Fakes(1);
  options.max_queue = 8;
  EnginePool pool(options);
  ASSERT_TRUE(WaitFull(pool, 1));
  std::atomic<int> refused_a{0}, refused_b{0};
  std::vector<std::thread> callers;
  std::atomic<int> done{0};
  auto call = [&](const std::string& caller, std::atomic<int>* refused) {
    callers.emplace_back([&pool, &done, caller, refused] {
      auto response = pool.CallFor(caller, Query("sleep:300"),
                                   In(absl::Seconds(30)), nullptr);
      if (response.status().code() == absl::StatusCode::kResourceExhausted) {
        ++*refused;
      }
      ++done;
    });
  };
  call("a", &refused_a);  // Runs.
  ASSERT_TRUE(WaitPending(pool, 1));
  for (int i = 0; i < 4; ++i) {  // Wait: half full.
    call("a", &refused_a);
    ASSERT_TRUE(WaitPending(pool, 2 + i));
  }
  call("b", &refused_b);  // Its share is 4: waits.
  ASSERT_TRUE(WaitPending(pool, 6));
  call("a", &refused_a);  // a holds 4 already: refused.
  ASSERT_TRUE(WaitFor([&] { return done.load() == 1; }));
  call("b", &refused_b);  // Waits.
  ASSERT_TRUE(WaitPending(pool, 7));
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(refused_a.load(), 1);
  EXPECT_EQ(refused_b.load(), 0);
}

// A session that queued many calls cannot starve one that queued one: the
// next free engine goes to the caller with the fewest calls running.
TEST(EnginePoolTest, ASessionWithOneCallIsNotStarvedByOneWithMany) {
  EnginePool pool(Fakes(1));
  ASSERT_TRUE(WaitFull(pool, 1));
  std::mutex mu;
  std::vector<std::string> finished;
  std::vector<std::thread> callers;
  auto call = [&](const std::string& caller) {
    // The first holds the engine until all have arrived.
    const std::string sleep = callers.empty() ? "sleep:500" : "sleep:50";
    callers.emplace_back([&, caller, sleep] {
      EXPECT_TRUE(
          pool.CallFor(caller, Query(sleep), In(absl::Seconds(30)), nullptr)
              .ok());
      std::lock_guard<std::mutex> lock(mu);
      finished.push_back(caller);
    });
    ASSERT_TRUE(WaitPending(pool, static_cast<int>(callers.size())));
  };
  for (int i = 0; i < 8; ++i) call("many");
  call("one");
  for (auto& caller : callers) caller.join();
  // First come first served would finish it last, ninth.
  const auto position = std::find(finished.begin(), finished.end(), "one");
  EXPECT_LE(position - finished.begin(), 2);
}

// Waiting metadata calls go ahead of waiting queries.
TEST(EnginePoolTest, MetadataWaitsAheadOfQueries) {
  EnginePool pool(Fakes(1));
  ASSERT_TRUE(WaitFull(pool, 1));
  std::mutex mu;
  std::vector<std::string> finished;
  std::vector<std::thread> callers;
  auto call = [&](const std::string& name, v1::EngineRequest request) {
    callers.emplace_back([&, name, request] {
      EXPECT_TRUE(
          pool.CallFor(name, request, In(absl::Seconds(30)), nullptr).ok());
      std::lock_guard<std::mutex> lock(mu);
      finished.push_back(name);
    });
    ASSERT_TRUE(WaitPending(pool, static_cast<int>(callers.size())));
  };
  call("q0", Query("sleep:500"));
  call("q1", Query("sleep:100"));
  call("q2", Query("sleep:100"));
  call("m", Metadata());
  for (auto& caller : callers) caller.join();
  ASSERT_EQ(finished.size(), 4u);
  EXPECT_EQ(finished[1], "m");
}

// A cancelled call, and one that must be killed for it, cost the other
// callers nothing: they are served by the other engine meanwhile, and the
// pool is whole again soon after.
TEST(EnginePoolTest, CancellationDelaysNoOtherCaller) {
  EnginePool pool(Fakes(2));
  ASSERT_TRUE(WaitFull(pool, 2));
  for (const char* command : {"hang", "ignore"}) {
    std::atomic<bool> cancel{false};
    std::thread cancelled([&] {
      auto response =
          pool.CallFor("victim", Query(command), In(absl::Seconds(30)),
                       [&] { return cancel.load(); });
      EXPECT_EQ(response.status().code(), absl::StatusCode::kCancelled);
    });
    absl::Duration slowest;
    for (int i = 0; i < 30; ++i) {
      if (i == 5) cancel = true;
      const absl::Time start = absl::Now();
      EXPECT_NE(Answerer(pool.CallFor("other", Query(), In(absl::Seconds(10)),
                                      nullptr)),
                0);
      slowest = std::max(slowest, absl::Now() - start);
      absl::SleepFor(absl::Milliseconds(20));
    }
    cancelled.join();
    EXPECT_LT(slowest, absl::Milliseconds(150)) << command;
    EXPECT_TRUE(WaitFull(pool, 2)) << command << ": " << pool.Describe();
  }
  // "hang" stopped in its engine; "ignore" cost one engine, replaced.
  EXPECT_EQ(pool.Restarts(), 1);
}

TEST(EnginePoolTest, AKilledEngineIsReplacedAndTheOthersServeMeanwhile) {
  EnginePool pool(Fakes(2));
  ASSERT_TRUE(WaitFull(pool, 2));
  const pid_t victim =
      Answerer(pool.Call(Query(), In(absl::Seconds(10)), nullptr));
  ASSERT_GT(victim, 0);
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  for (int i = 0; i < 20; ++i) {
    EXPECT_NE(Answerer(pool.Call(Query(), In(absl::Seconds(10)), nullptr)), 0);
  }
  EXPECT_TRUE(WaitFull(pool, 2)) << pool.Describe();
  EXPECT_GE(pool.Restarts(), 1);
}

TEST(EnginePoolTest, IdleEnginesStopAndTheNextCallStartsOne) {
  EnginePoolOptions options = Fakes(2);
  options.idle_stop = absl::Milliseconds(500);
  EnginePool pool(options);
  ASSERT_TRUE(WaitFull(pool, 2));
  const pid_t before =
      Answerer(pool.Call(Query(), In(absl::Seconds(10)), nullptr));
  ASSERT_TRUE(WaitFor([&] { return pool.Running() == 0; })) << pool.Describe();
  EXPECT_TRUE(pool.Ready());  // Stopped while idle is not down.
  // The process is gone (stopped and reaped).
  EXPECT_TRUE(WaitFor([&] { return kill(before, 0) == -1; }));
  const pid_t after =
      Answerer(pool.Call(Query(), In(absl::Seconds(10)), nullptr));
  EXPECT_GT(after, 0);
  EXPECT_NE(after, before);
  EXPECT_TRUE(WaitFull(pool, 2)) << pool.Describe();
}

// Idleness counts from when the engines are up: engines whose start takes
// longer than the idle period start all the same (and stop later).
TEST(EnginePoolTest, EnginesSlowerToStartThanTheIdlePeriodStart) {
  EnginePoolOptions options = Fakes(2);
  options.engine.argv = {"worker/engine/fake_engine", "slow-start"};
  options.idle_stop = absl::Milliseconds(300);
  EnginePool pool(options);
  ASSERT_TRUE(WaitFull(pool, 2)) << pool.Describe();
  EXPECT_TRUE(pool.Ready());
  EXPECT_TRUE(WaitFor([&] { return pool.Running() == 0; })) << pool.Describe();
}

TEST(EnginePoolTest, CallsFailAtOnceWithTheCauseWhileStartsFail) {
  EnginePoolOptions options = Fakes(2);
  options.engine.argv = {"worker/engine/fake_engine", "fail-start"};
  EnginePool pool(options);
  auto first = pool.Call(Query(), In(absl::Seconds(30)), nullptr);
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(first.status().message().find("profile not found"),
            std::string::npos)
      << first.status();
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    auto response = pool.Call(Query(), In(absl::Seconds(30)), nullptr);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  }
  EXPECT_FALSE(pool.Ready());
  EXPECT_NE(pool.StartFailure().find("profile not found"), std::string::npos);
  EXPECT_LE(pool.Running(), 1);  // No more engines for a failing start.
}

void WriteManifest(const std::string& path, const std::string& sha) {
  std::ofstream(path) << sha << "\n";
}

// The pool fetches the index once per manifest, keeps it while its engines
// are stopped, and follows a manifest that changed.
TEST(EnginePoolTest, TheIndexFollowsTheManifestAndOutlivesTheEngines) {
  const std::string manifest =
      absl::StrCat(testing::TempDir(), "/manifest-", getpid());
  WriteManifest(manifest, "aaa");
  EnginePoolOptions options = Fakes(2, "none", manifest);
  options.idle_stop = absl::Seconds(1);
  EnginePool pool(options);
  ASSERT_TRUE(WaitFull(pool, 2));
  ASSERT_TRUE(WaitFor([&] { return pool.Index() != nullptr; }));
  EXPECT_EQ(pool.ManifestSha256(), "aaa");
  EXPECT_EQ(pool.Index()->links(0).metric(), "m");
  // The project changes; an engine restarts and loads it.
  WriteManifest(manifest, "bbb");
  const pid_t victim =
      Answerer(pool.Call(Query(), In(absl::Seconds(10)), nullptr));
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  ASSERT_TRUE(WaitFor([&] { return pool.ManifestSha256() == "bbb"; }))
      << pool.Describe();
  ASSERT_TRUE(WaitFor([&] { return pool.Index() != nullptr; }));
  // Every engine serves the new manifest (the old one was replaced), then
  // all stop while idle; the index stays.
  ASSERT_TRUE(WaitFor([&] { return pool.Running() == 0; })) << pool.Describe();
  EXPECT_EQ(pool.ManifestSha256(), "bbb");
  EXPECT_NE(pool.Index(), nullptr);
  EXPECT_GE(pool.Restarts(), 1);
  std::remove(manifest.c_str());
}

// Started on demand with an index read from the manifest, the pool serves
// that index with no engine; the first call starts one, and the engine's own
// index for the same manifest then replaces the one read.
TEST(EnginePoolTest, OnDemandTheManifestsIndexServesUntilTheEnginesReplacesIt) {
  const std::string manifest =
      absl::StrCat(testing::TempDir(), "/manifest-on-demand-", getpid());
  WriteManifest(manifest, "aaa");
  EnginePoolOptions options = Fakes(1, "none", manifest);
  options.start_on_demand = true;
  auto read = std::make_shared<v1::SemanticIndex>();
  read->add_links()->set_metric("read");
  options.manifest_index = read;
  options.manifest_index_sha256 = "aaa";
  EnginePool pool(options);
  EXPECT_TRUE(pool.Ready());
  EXPECT_EQ(pool.ManifestSha256(), "aaa");
  ASSERT_NE(pool.Index(), nullptr);
  EXPECT_EQ(pool.Index()->links(0).metric(), "read");
  // No engine starts by itself: none after the keeper's first two rounds
  // (the first runs at once; a start would be decided in it).
  ASSERT_TRUE(pool.AwaitKeeperRounds(2, In(absl::Seconds(10))));
  EXPECT_EQ(pool.Running(), 0) << pool.Describe();
  EXPECT_GT(Answerer(pool.Call(Query(), In(absl::Seconds(10)), nullptr)), 0);
  ASSERT_TRUE(WaitFor([&] {
    auto index = pool.Index();
    return index != nullptr && index->links(0).metric() == "m";
  })) << pool.Describe();
  std::remove(manifest.c_str());
}

}  // namespace
}  // namespace mfgate::engine
