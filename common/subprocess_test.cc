#include "common/subprocess.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <thread>

#include "common/frame_io.h"
#include "gtest/gtest.h"

namespace mfgate {
namespace {

SpawnOptions Shell(const std::string& script) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.env = {"PATH=/usr/bin:/bin", "GREETING=hi"};
  return options;
}

TEST(SubprocessTest, ReportsExitCode) {
  auto child = Subprocess::Spawn(Shell("exit 7"));
  ASSERT_TRUE(child.ok()) << child.status();
  auto info = (*child)->WaitUntil(absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(info.has_value());
  EXPECT_FALSE(info->signaled);
  EXPECT_EQ(info->exit_code, 7);
}

TEST(SubprocessTest, MissingProgramIsAnErrorNotAChild) {
  SpawnOptions options;
  options.argv = {"/nonexistent/mfgate-no-such-binary"};
  auto child = Subprocess::Spawn(options);
  EXPECT_EQ(child.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(child.status().message().find("No such file"), std::string::npos);
}

TEST(SubprocessTest, MapsDescriptorsAndPassesOnlyTheGivenEnvironment) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  SpawnOptions options =
      Shell("printf '%s:%s' \"$GREETING\" \"${HOME:-none}\" >&3");
  options.fds = {{3, out[1]}};
  auto child = Subprocess::Spawn(options);
  ASSERT_TRUE(child.ok()) << child.status();
  close(out[1]);
  (*child)->WaitUntil(absl::Now() + absl::Seconds(10));
  char buffer[64] = {};
  ssize_t n = read(out[0], buffer, sizeof(buffer) - 1);
  close(out[0]);
  EXPECT_EQ(std::string(buffer, n > 0 ? n : 0), "hi:none");
}

TEST(SubprocessTest, UnmappedDescriptorsAreClosedInTheChild) {
  int leaked[2];
  ASSERT_EQ(pipe(leaked), 0);  // Not close-on-exec on purpose.
  auto child = Subprocess::Spawn(Shell("test -e /proc/self/fd/" +
                                       std::to_string(leaked[1]) +
                                       " && exit 1; exit 0"));
  ASSERT_TRUE(child.ok());
  auto info = (*child)->WaitUntil(absl::Now() + absl::Seconds(10));
  close(leaked[0]);
  close(leaked[1]);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->exit_code, 0) << "an unmapped descriptor reached the child";
}

TEST(SubprocessTest, TerminateEscalatesToKill) {
  auto child =
      Subprocess::Spawn(Shell("trap '' TERM; while :; do sleep 1; done"));
  ASSERT_TRUE(child.ok());
  absl::SleepFor(absl::Milliseconds(100));
  ExitInfo info = (*child)->Terminate(absl::Milliseconds(200));
  EXPECT_TRUE(info.signaled);
  EXPECT_EQ(info.signal, SIGKILL);
}

TEST(SubprocessTest, ZombiesDoNotCountAsRunning) {
  auto child = Subprocess::Spawn(Shell("exit 0"));
  ASSERT_TRUE(child.ok());
  EXPECT_TRUE(IsProcessRunning(getpid()));
  absl::SleepFor(absl::Milliseconds(200));  // Exited, not yet reaped.
  EXPECT_FALSE(IsProcessRunning((*child)->pid()));
  (*child)->WaitUntil(absl::InfiniteFuture());
}

// With an open-file limit of 64 (soft and hard), descriptor numbers such as
// 1000 cannot exist: mapping must not need them.
TEST(SubprocessTest, SpawnsUnderALowOpenFileLimit) {
  rlimit before;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  rlimit low = before;
  low.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  SpawnOptions options = Shell("echo mapped >&3");
  options.fds = {{3, out[1]}};
  auto child = Subprocess::Spawn(options);
  setrlimit(RLIMIT_NOFILE, &before);
  close(out[1]);
  ASSERT_TRUE(child.ok()) << child.status();
  auto info = (*child)->WaitUntil(absl::Now() + absl::Seconds(10));
  char buffer[16] = {};
  ssize_t n = read(out[0], buffer, sizeof(buffer) - 1);
  close(out[0]);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->exit_code, 0) << info->ToString();
  EXPECT_EQ(std::string(buffer, n > 0 ? n : 0), "mapped\n");
}

// A step before exec that fails is an error of Spawn that names the step.
TEST(SubprocessTest, AFailedStepBeforeExecIsNamed) {
  SpawnOptions options = Shell("exit 0");
  options.cwd = "/nonexistent/mfgate-no-such-directory";
  auto child = Subprocess::Spawn(options);
  EXPECT_EQ(child.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(child.status().message().find("change directory"),
            std::string::npos)
      << child.status();
}

TEST(SubprocessTest, HasExitedLooksWithoutReaping) {
  auto child = Subprocess::Spawn(Shell("exit 4"));
  ASSERT_TRUE(child.ok());
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!(*child)->HasExited() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_TRUE((*child)->HasExited());
  EXPECT_FALSE(IsProcessRunning((*child)->pid()));  // A zombie, not reaped.
  auto info = (*child)->TryWait();  // The owner still gets the status.
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->exit_code, 4);
}

// Two threads reaping one child race for its status: the contract is
// checked, and a second reaper stops a debug build.
TEST(SubprocessDeathTest, ASecondReaperIsCaught) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto child = Subprocess::Spawn(Shell("sleep 5"));
        (*child)->TryWait();
        std::thread other([&] { (*child)->TryWait(); });
        other.join();
      },
      "does not own it");
}

TEST(SubprocessTest, WithEnvReplacesAVariable) {
  auto env = WithEnv({"A=1", "B=2"}, "A", "3");
  EXPECT_EQ(env, (std::vector<std::string>{"B=2", "A=3"}));
}

}  // namespace
}  // namespace mfgate
