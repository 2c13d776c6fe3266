// PersistentEngine: a supervised, long-lived engine process.
//
// The process (the Python host in worker/engine/host) gets its profile as a
// first frame, loads MetricFlow once and then answers framed EngineRequests
// one at a time: requests go to its stdin, responses come back on its fd 3,
// and its stdout/stderr become log lines of the worker. A supervisor thread
// starts the process, waits for its `ready` frame, and starts it again
// whenever it dies.
//
// A request that overruns its deadline or is cancelled is answered at once;
// the process is sent a `cancel` frame and the supervisor reads what it
// answers (it interrupts the statement at the warehouse where it can): the
// process serves again as soon as that answer comes, and is killed and
// replaced when none comes within cancel_grace. A request whose answer had
// begun to arrive is read to its end instead.
//
// Two backoffs: after a process that served dies, the next start follows
// soon (min_backoff, doubling to max_backoff; a process the engine killed
// itself, for a request that would not stop, is replaced at once); after a
// start that fails (a
// broken project or profile, an invalid semantic model, a locked database
// file) the next attempt waits min_start_backoff, doubling to
// max_start_backoff, since retrying rarely fixes those and each attempt may
// run `dbt parse`. While starts fail, calls are answered at once with the
// cause (Unavailable) rather than waiting for their deadline.
//
// Thread-safe. Calls are serialized: one request in flight per process. The
// supervisor thread alone spawns, waits on and reaps the process
// (common/subprocess.h) and drains cancelled requests; callers only signal
// it.
#ifndef MFGATE_WORKER_ENGINE_PERSISTENT_ENGINE_H_
#define MFGATE_WORKER_ENGINE_PERSISTENT_ENGINE_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/line_forwarder.h"
#include "common/subprocess.h"
#include "worker/engine/engine.h"

namespace mfgate::engine {

struct PersistentEngineOptions {
  // The engine's argv (python, host script, arguments) and full environment.
  std::vector<std::string> argv;
  std::vector<std::string> env;
  // When not empty, written to each new process as its first frame: a
  // serialized mfgate.v1.EngineBootstrap (profile_bootstrap.h).
  std::string bootstrap;
  // Working directory of the engine; empty keeps the worker's.
  std::string cwd;
  // How long a start (MetricFlow load, dbt parse) may take.
  absl::Duration startup_timeout = absl::Minutes(5);
  // Restart backoff after a process that served died: doubles from min to
  // max; resets after a healthy minute.
  absl::Duration min_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(30);
  // Backoff after a start that failed: doubles from min to max; resets once
  // a start succeeds.
  absl::Duration min_start_backoff = absl::Seconds(5);
  absl::Duration max_start_backoff = absl::Minutes(5);
  // Largest response frame accepted from the engine.
  size_t max_response_bytes = 64u << 20;
  // How long a process has to answer a request it was told to cancel.
  absl::Duration cancel_grace = absl::Seconds(2);
  // Called with no lock held whenever the engine may have become able to
  // take a request (started, done with a cancelled request) or its start
  // failed; an engine pool waits on it. It may call the engine's const
  // accessors.
  std::function<void()> on_change;
  // Sends a request whose process died under it once more, to the next
  // process. A pool clears it: it sends the request to another engine.
  bool retry_lost_requests = true;
};

class PersistentEngine final : public Engine {
 public:
  // Starts the supervisor, which starts the process in the background.
  explicit PersistentEngine(PersistentEngineOptions options);
  // Stops the supervisor and the process.
  ~PersistentEngine() override;

  absl::StatusOr<v1::EngineResponse> CallFor(
      const std::string& caller, const v1::EngineRequest& request,
      absl::Time deadline, const std::function<bool()>& cancelled) override;
  bool Ready() const override;
  std::string Describe() const override;
  std::string ManifestSha256() const override;
  int Restarts() const override;
  std::string StartFailure() const override;

  // Whether a request sent now would be written to the process at once.
  bool Idle() const;
  // What the engine reported when it last became ready.
  std::optional<v1::EngineReady> ready_info() const;
  // How many times the process has been started.
  int starts() const;
  // The process id, or 0 when no process runs.
  pid_t pid() const;

 private:
  enum class State {
    kStarting,
    kReady,
    kBusy,
    kDraining,  // Awaiting the answer to a cancelled request.
    kBroken,
    kShutdown
  };

  absl::StatusOr<v1::EngineResponse> CallOnce(
      const v1::EngineRequest& request, absl::Time deadline,
      const std::function<bool()>& cancelled);
  // The supervisor thread: starts, watches, reaps and restarts the process.
  void Supervise();
  // Starts one process and waits for its ready frame. Returns the error that
  // stopped it, if any (the process is then reaped).
  absl::Status StartProcess();
  // Until the process breaks or the engine shuts down; then reaps it.
  void Monitor();
  // Reads the process's answer to the cancelled request `id` until
  // `deadline`; then the process serves again, or is broken.
  void Drain(uint64_t id, absl::Time deadline);
  // Tells the process to stop request `id` (the caller gave up on it) and
  // hands its answer to the supervisor to drain. Called by the caller that
  // sent it, while the engine is busy with it.
  void StopRequest(uint64_t id, int to_engine);
  // Kills the current process and marks the engine broken, recording `why`;
  // the supervisor reaps it. `ours`: killed for a request that would not
  // stop, not for a fault of the process. Never waits.
  void Break(const std::string& why, bool ours = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Notify() const {
    if (options_.on_change) options_.on_change();
  }

  // How long an engine may take to exit after its input is closed.
  static constexpr absl::Duration kExitGrace = absl::Seconds(2);
  // How long an answer that has begun to arrive may take to arrive whole.
  static constexpr absl::Duration kFrameTail = absl::Seconds(5);
  void CloseFds() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PersistentEngineOptions options_;
  // The process's stdout and stderr, as log events of the worker; null when
  // the pipe could not be made (the process then writes to our stderr).
  const std::unique_ptr<LineForwarder> output_;

  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kStarting;
  // Set and reset by the supervisor only.
  std::unique_ptr<Subprocess> process_ ABSL_GUARDED_BY(mu_);
  int to_engine_ ABSL_GUARDED_BY(mu_) = -1;    // The process's stdin.
  int from_engine_ ABSL_GUARDED_BY(mu_) = -1;  // The process's fd 3.
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  int starts_ ABSL_GUARDED_BY(mu_) = 0;
  // Starts that failed in a row; while > 0, calls fail at once.
  int failed_starts_ ABSL_GUARDED_BY(mu_) = 0;
  // Processes reaped so far (a caller that broke one waits for its status).
  uint64_t reaped_ ABSL_GUARDED_BY(mu_) = 0;
  std::string break_reason_ ABSL_GUARDED_BY(mu_);
  bool killed_by_us_ ABSL_GUARDED_BY(mu_) = false;
  // kDraining: the request whose answer is awaited, and until when.
  uint64_t drain_id_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time drain_deadline_ ABSL_GUARDED_BY(mu_);
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::optional<v1::EngineReady> ready_info_ ABSL_GUARDED_BY(mu_);

  // Declared last: it uses everything above.
  std::thread supervisor_;
};

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_PERSISTENT_ENGINE_H_
