// A child process started with fork + execve (never through a shell).
//
// Used by the worker for its engine process and for `mf` in cli mode, and by
// the gateway for dev-mode workers. The child gets exactly the descriptors the
// caller maps (everything else is closed), can be tied to the life of the
// thread that spawned it (PR_SET_PDEATHSIG), and can run in its own process
// group so that a kill reaches its descendants too.
//
// Thread-safety: one owner reaps the child. The first thread that waits
// (TryWait, WaitUntil, Terminate) becomes the owner; a wait from any other
// thread breaks the contract and is reported (fatal in debug builds), since
// two reapers race for the exit status and may signal a reused pid. Signal
// and HasExited may be called from any thread: they never reap, and a signal
// never reaches a pid after it was reaped. The destructor reaps what is left
// and must be the last use.
#ifndef MFGATE_COMMON_SUBPROCESS_H_
#define MFGATE_COMMON_SUBPROCESS_H_

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace mfgate {

struct SpawnOptions {
  // argv[0] is the program: an absolute or relative path (no PATH search).
  std::vector<std::string> argv;
  // The child's whole environment ("NAME=value"); nothing is inherited.
  std::vector<std::string> env;
  // Descriptors the child receives: {child_fd, parent_fd}. Child fds 0-2
  // not listed here are opened on /dev/null. All other descriptors are closed.
  std::vector<std::pair<int, int>> fds;
  // Working directory of the child; empty keeps the parent's.
  std::string cwd;
  // SIGKILL the child when the spawning thread exits (the gateway or worker
  // died): no orphan survives even a SIGKILL of the parent.
  bool die_with_parent = true;
  // Put the child in a new process group, so Kill reaches its descendants.
  bool new_process_group = true;
  // File-creation mask in the child.
  mode_t umask = 077;
};

// How a child ended.
struct ExitInfo {
  int exit_code = -1;  // Valid when !signaled.
  int signal = 0;      // The terminating signal when signaled.
  bool signaled = false;
  std::string ToString() const;
};

class Subprocess {
 public:
  // Starts the child. Fails if fork or exec fails (exec failures are reported
  // through a close-on-exec pipe, so a missing binary is an error here, not a
  // child that exits 127).
  static absl::StatusOr<std::unique_ptr<Subprocess>> Spawn(
      const SpawnOptions& options);

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  // Kills (SIGKILL) and reaps the child if it is still running.
  ~Subprocess();

  pid_t pid() const { return pid_; }

  // Sends `signal` to the child (its whole group when it has one), unless it
  // has been reaped. Any thread.
  void Signal(int signal);

  // Whether the child has ended (reaped or not), without reaping it. Any
  // thread.
  bool HasExited();

  // The owner's: the exit info once the child has ended, without blocking;
  // nullopt while it runs.
  std::optional<ExitInfo> TryWait();

  // The owner's: waits until the child ends or `deadline` passes (nullopt
  // then).
  std::optional<ExitInfo> WaitUntil(absl::Time deadline);

  // The owner's: SIGTERM, then SIGKILL after `grace`; always reaps.
  ExitInfo Terminate(absl::Duration grace);

 private:
  Subprocess(pid_t pid, bool own_group) : pid_(pid), own_group_(own_group) {}
  // Makes the calling thread the owner, or reports that it is not.
  void CheckOwner();
  // Reaps the child if it has ended (or, with `block`, once it does).
  std::optional<ExitInfo> Reap(bool block);

  const pid_t pid_;
  const bool own_group_;
  std::atomic<std::thread::id> owner_{};
  absl::Mutex mu_;
  std::optional<ExitInfo> exit_ ABSL_GUARDED_BY(mu_);
};

// What a child printed on stdout and stderr (one stream), and how it ended.
struct CapturedRun {
  std::string output;
  ExitInfo exit;
};

// Spawns `options` (its fds 1 and 2 replaced by one pipe), collects at most
// `max_output_bytes` of output and waits for the child. The child is killed
// when `deadline` passes (DeadlineExceeded), `cancelled` returns true
// (Cancelled) or it prints too much (ResourceExhausted). A child that cannot
// start is Unavailable.
absl::StatusOr<CapturedRun> RunCapturingOutput(
    SpawnOptions options, absl::Time deadline, size_t max_output_bytes,
    const std::function<bool()>& cancelled = nullptr);

// Whether process `pid` runs; a zombie (dead, not yet reaped) does not.
bool IsProcessRunning(pid_t pid);

// The environment of this process as "NAME=value" strings.
std::vector<std::string> CurrentEnvironment();

// `env` with NAME set to value (replacing any previous NAME).
std::vector<std::string> WithEnv(std::vector<std::string> env,
                                 const std::string& name,
                                 const std::string& value);

}  // namespace mfgate

#endif  // MFGATE_COMMON_SUBPROCESS_H_
