#include "gateway/upstream/worker_pool.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mfgate::upstream {
namespace {

using ::testing::HasSubstr;

config::GatewayConfig OneSpawnedTenant(const std::string& engine_as_mode) {
  config::GatewayConfig config;
  // The fake worker takes --engine as its mode: serve, exit or never-ready.
  config::TenantConfig tenant;
  tenant.name = "t";
  tenant.spawn = config::SpawnSpec{
      "/tmp", "/tmp", "", engine_as_mode, "", "", "", {}, {}, {}};
  config.tenants.push_back(tenant);
  config.worker_binary = "gateway/upstream/fake_worker_as_mode.sh";
  return config;
}

// The fake worker takes its mode from --engine via a wrapper script.
class WorkerPoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::ofstream script("gateway/upstream/fake_worker_as_mode.sh");
    script
        << "#!/bin/sh\n"
           "for a; do case $prev in --engine) mode=$a;; esac; prev=$a; done\n"
           "exec \"$(dirname \"$0\")/fake_worker\" --mode=$mode \"$@\"\n";
    script.close();
    chmod("gateway/upstream/fake_worker_as_mode.sh", 0755);
  }
};

TEST_F(WorkerPoolTest, SpawnsAWorkerInAPrivateDirectoryAndStopsIt) {
  auto pool = WorkerPool::Create(OneSpawnedTenant("serve"), "");
  ASSERT_TRUE(pool.ok()) << pool.status();
  ASSERT_TRUE((*pool)->WaitReady("t", absl::Now() + absl::Seconds(20)).ok());
  ASSERT_TRUE((*pool)->Stub("t").ok());
  EXPECT_EQ((*pool)->Stub("nobody").status().code(),
            absl::StatusCode::kNotFound);
  (*pool)->StopAll();
}

TEST_F(WorkerPoolTest, WorkerThatExitsIsReported) {
  auto pool = WorkerPool::Create(OneSpawnedTenant("exit"), "");
  ASSERT_TRUE(pool.ok());
  absl::Status ready = (*pool)->WaitReady("t", absl::Now() + absl::Seconds(20));
  EXPECT_EQ(ready.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(ready.message(), HasSubstr("exited with status 3"));
}

// A worker that dies is reaped and started again, and says why it was down
// meanwhile.
TEST_F(WorkerPoolTest, AWorkerThatDiesIsReapedAndStartedAgain) {
  auto pool = WorkerPool::Create(OneSpawnedTenant("serve"), "");
  ASSERT_TRUE(pool.ok());
  ASSERT_TRUE((*pool)->WaitReady("t", absl::Now() + absl::Seconds(20)).ok());
  ASSERT_TRUE((*pool)->AwaitWorker("t", absl::Now() + absl::Seconds(20)).ok());
  pid_t first = 0;
  // The supervisor's thread is the worker's parent: look through them all.
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream of(task.path() / "children");
    if (of >> first) break;
  }
  ASSERT_GT(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  std::optional<std::string> down;
  while (!(down = (*pool)->Down("t")).has_value() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_TRUE(down.has_value());
  EXPECT_THAT(*down, HasSubstr("killed by signal 9"));
  // Reaped: no zombie is left behind.
  EXPECT_FALSE(IsProcessRunning(first));
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(first)));
  // While down, a call is refused at once with the reason.
  absl::Status refused =
      (*pool)->AwaitWorker("t", absl::Now() + absl::Seconds(20));
  if (!refused.ok()) {
    EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(refused.message(), HasSubstr("killed by signal 9"));
  }
  // And it is back after its backoff (one second).
  deadline = absl::Now() + absl::Seconds(10);
  while ((*pool)->Down("t").has_value() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_TRUE((*pool)->WaitReady("t", absl::Now() + absl::Seconds(20)).ok());
}

TEST_F(WorkerPoolTest, NeverReadyWorkerTimesOut) {
  auto pool = WorkerPool::Create(OneSpawnedTenant("never-ready"), "");
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ(
      (*pool)->WaitReady("t", absl::Now() + absl::Milliseconds(500)).code(),
      absl::StatusCode::kDeadlineExceeded);
}

TEST_F(WorkerPoolTest, MissingBinaryListsWhereItLooked) {
  auto found = WorkerPool::FindWorkerBinary("/nonexistent/mfgate-worker");
  EXPECT_THAT(found.status().message(),
              HasSubstr("/nonexistent/mfgate-worker"));
}

// A gateway killed with SIGKILL leaves no worker behind.
TEST_F(WorkerPoolTest, NoOrphanSurvivesSigkillOfTheGateway) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  SpawnOptions spawn;
  spawn.argv = {"gateway/upstream/pool_holder",
                "gateway/upstream/fake_worker_as_mode.sh"};
  spawn.env = CurrentEnvironment();
  spawn.fds = {{1, out[1]}, {2, 2}};
  spawn.new_process_group = false;  // Kill the holder alone, as a crash would.
  auto gateway = Subprocess::Spawn(spawn);
  close(out[1]);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  char buffer[32] = {};
  ssize_t n = read(out[0], buffer, sizeof(buffer) - 1);
  close(out[0]);
  ASSERT_GT(n, 0);
  pid_t worker = static_cast<pid_t>(std::atol(buffer));
  ASSERT_GT(worker, 0);
  ASSERT_TRUE(IsProcessRunning(worker));
  (*gateway)->Signal(SIGKILL);
  (*gateway)->WaitUntil(absl::InfiniteFuture());
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  // The worker is reparented and reaped by init (or a subreaper) once dead.
  while (IsProcessRunning(worker) && absl::Now() < deadline) {
    waitpid(worker, nullptr, WNOHANG);
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_FALSE(IsProcessRunning(worker))
      << "worker " << worker << " outlived its gateway";
}

}  // namespace
}  // namespace mfgate::upstream
