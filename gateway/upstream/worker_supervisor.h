// WorkerSupervisor: keeps one gateway-spawned (dev-mode) worker running.
//
// One thread owns the worker process: it spawns it, waits on it, reaps it,
// and starts it again after a bounded exponential backoff (min doubling to
// max; reset once a worker ran for a minute). The worker's stderr passes
// through a relay (common/line_forwarder.h) into the gateway's, so that when
// it exits the supervisor can say why in the worker's own words: Down()
// then gives that reason (its last error line and how it ended) until a new
// worker runs, and the tenant's calls fail at once with it.
//
// The spawning thread is the supervisor's own, which lives as long as the
// worker: the worker's parent-death signal (PR_SET_PDEATHSIG) follows it,
// and still fires when the gateway dies, even by SIGKILL.
//
// Thread-safe. Stop (or the destructor) terminates the worker (SIGTERM, then
// SIGKILL after a grace) and joins the thread.
#ifndef MFGATE_GATEWAY_UPSTREAM_WORKER_SUPERVISOR_H_
#define MFGATE_GATEWAY_UPSTREAM_WORKER_SUPERVISOR_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/line_forwarder.h"
#include "common/subprocess.h"

namespace mfgate::upstream {

struct SupervisorOptions {
  absl::Duration min_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(1);
  // How long a worker has to exit after SIGTERM before SIGKILL.
  absl::Duration stop_grace = absl::Seconds(5);
};

class WorkerSupervisor {
 public:
  // Starts the supervisor, which spawns `spawn` (its fds 1 and 2 are set
  // here) at once. `tenant` names it in logs.
  WorkerSupervisor(std::string tenant, SpawnOptions spawn,
                   SupervisorOptions options = {});
  ~WorkerSupervisor();
  WorkerSupervisor(const WorkerSupervisor&) = delete;
  WorkerSupervisor& operator=(const WorkerSupervisor&) = delete;

  // Why the worker is not running (it exited, or could not be started, and
  // waits for its next start); nullopt while one runs.
  std::optional<std::string> Down() const;

  // Times a worker was started.
  int starts() const;
  // The running worker's pid; 0 while none runs.
  pid_t pid() const;

  // Stops the worker and the supervisor; later calls do nothing.
  void Stop();

 private:
  void Supervise();
  // Waits for `child` to exit or for Stop; returns how it ended.
  ExitInfo Watch(Subprocess* child);

  const std::string tenant_;
  SpawnOptions spawn_;
  const SupervisorOptions options_;
  // The worker's stderr; null when the pipe could not be made (the worker
  // then writes to the gateway's stderr, and its reason is its exit alone).
  const std::unique_ptr<LineForwarder> relay_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<std::string> down_ ABSL_GUARDED_BY(mu_);
  int starts_ ABSL_GUARDED_BY(mu_) = 0;
  pid_t pid_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;  // Last: starts once the rest is built.
};

}  // namespace mfgate::upstream

#endif  // MFGATE_GATEWAY_UPSTREAM_WORKER_SUPERVISOR_H_
