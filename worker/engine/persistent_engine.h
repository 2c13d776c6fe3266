// PersistentEngine: a supervised, long-lived engine process.
//
// The process (the Python host in worker/engine/host) gets its profile as a
// first frame, loads MetricFlow once and then answers framed EngineRequests
// one at a time: requests go to its stdin, responses come back on its fd 3, and
// its stdout/stderr are the worker's stderr. A supervisor thread starts the
// process, waits for its `ready` frame, and restarts it with exponential
// backoff whenever it dies. A request that overruns its deadline or is
// cancelled kills the process (the only way to stop a running query) and the
// supervisor starts a fresh one.
//
// Thread-safe. Calls are serialized: one request in flight per process.
#ifndef MFGATE_WORKER_ENGINE_PERSISTENT_ENGINE_H_
#define MFGATE_WORKER_ENGINE_PERSISTENT_ENGINE_H_

#include <sys/types.h>

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
  // Restart backoff: doubles from min to max; resets after a healthy minute.
  absl::Duration min_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(30);
  // Largest response frame accepted from the engine.
  size_t max_response_bytes = 64u << 20;
};

class PersistentEngine final : public Engine {
 public:
  // Starts the supervisor, which starts the process in the background.
  explicit PersistentEngine(PersistentEngineOptions options);
  // Stops the supervisor and the process.
  ~PersistentEngine() override;

  absl::StatusOr<v1::EngineResponse> Call(
      const v1::EngineRequest& request, absl::Time deadline,
      const std::function<bool()>& cancelled) override;
  bool Ready() const override;
  std::string Describe() const override;
  std::string ManifestSha256() const override;
  int Restarts() const override;

  // What the engine reported when it last became ready.
  std::optional<v1::EngineReady> ready_info() const;
  // How many times the process has been started.
  int starts() const;
  // The process id, or 0 when no process runs.
  pid_t pid() const;

 private:
  enum class State { kStarting, kReady, kBusy, kBroken, kShutdown };

  absl::StatusOr<v1::EngineResponse> CallOnce(
      const v1::EngineRequest& request, absl::Time deadline,
      const std::function<bool()>& cancelled);
  void Supervise();
  // Starts one process and waits for its ready frame. Returns the error that
  // stopped it, if any.
  absl::Status StartProcess();
  // Kills the current process and marks the engine broken, recording `why`.
  void Break(const std::string& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseFds() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PersistentEngineOptions options_;
  // The process's stdout and stderr, as log events of the worker; null when
  // the pipe could not be made (the process then writes to our stderr).
  const std::unique_ptr<LineForwarder> output_;

  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kStarting;
  std::unique_ptr<Subprocess> process_ ABSL_GUARDED_BY(mu_);
  int to_engine_ ABSL_GUARDED_BY(mu_) = -1;    // The process's stdin.
  int from_engine_ ABSL_GUARDED_BY(mu_) = -1;  // The process's fd 3.
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  int starts_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::optional<v1::EngineReady> ready_info_ ABSL_GUARDED_BY(mu_);

  // Declared last: it uses everything above.
  std::thread supervisor_;
};

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_PERSISTENT_ENGINE_H_
