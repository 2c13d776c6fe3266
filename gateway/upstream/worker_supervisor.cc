#include "gateway/upstream/worker_supervisor.h"

#include <signal.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/backoff.h"
#include "common/log.h"

namespace mfgate::upstream {
namespace {

// How often the supervisor looks at its worker while it runs.
constexpr absl::Duration kWatchInterval = absl::Milliseconds(50);
// A worker that ran this long resets the backoff.
constexpr absl::Duration kHealthyRun = absl::Minutes(1);

std::unique_ptr<LineForwarder> RelayWorkerOutput() {
  auto relay = LineForwarder::Relay();
  if (relay.ok()) return std::move(*relay);
  LogWarning(absl::StrCat("a worker's exit reasons will not be shown: ",
                          relay.status().message()));
  return nullptr;
}

}  // namespace

WorkerSupervisor::WorkerSupervisor(std::string tenant, SpawnOptions spawn,
                                   SupervisorOptions options)
    : tenant_(std::move(tenant)),
      spawn_(std::move(spawn)),
      options_(options),
      relay_(RelayWorkerOutput()) {
  // The gateway's stdout may carry MCP messages: the worker writes to
  // stderr, through the relay.
  const int err = relay_ != nullptr ? relay_->write_fd() : STDERR_FILENO;
  spawn_.fds = {{1, err}, {2, err}};
  spawn_.die_with_parent = true;
  thread_ = std::thread([this] { Supervise(); });
}

WorkerSupervisor::~WorkerSupervisor() { Stop(); }

void WorkerSupervisor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

std::optional<std::string> WorkerSupervisor::Down() const {
  absl::MutexLock lock(&mu_);
  return down_;
}

int WorkerSupervisor::starts() const {
  absl::MutexLock lock(&mu_);
  return starts_;
}

pid_t WorkerSupervisor::pid() const {
  absl::MutexLock lock(&mu_);
  return pid_;
}

ExitInfo WorkerSupervisor::Watch(Subprocess* child) {
  auto stopping = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  while (true) {
    if (std::optional<ExitInfo> exit = child->TryWait()) return *exit;
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), kWatchInterval)) {
      break;
    }
  }
  return child->Terminate(options_.stop_grace);
}

void WorkerSupervisor::Supervise() {
  Backoff backoff(options_.min_backoff, options_.max_backoff);
  auto stopping = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  while (true) {
    const absl::Time started = absl::Now();
    if (relay_ != nullptr) relay_->TakeLastError();  // A former worker's.
    auto child = Subprocess::Spawn(spawn_);
    std::string reason;
    if (child.ok()) {
      {
        absl::MutexLock lock(&mu_);
        ++starts_;
        pid_ = (*child)->pid();
        down_.reset();
      }
      LogInfo(absl::StrCat("tenant ", tenant_, ": started worker pid ",
                           (*child)->pid()));
      const ExitInfo exit = Watch(child->get());
      {
        absl::MutexLock lock(&mu_);
        pid_ = 0;
        if (stopping_) {
          LogInfo(
              absl::StrCat("tenant ", tenant_, ": worker ", exit.ToString()));
          return;
        }
      }
      // Its own last words first: they name the cause; the exit says how.
      std::string said;
      if (relay_ != nullptr) {
        relay_->WaitForwarded(absl::Seconds(1));
        said = relay_->TakeLastError();
      }
      reason = said.empty()
                   ? absl::StrCat("the worker ", exit.ToString())
                   : absl::StrCat(said, " (the worker ", exit.ToString(), ")");
    } else {
      reason = std::string(child.status().message());
    }
    if (absl::Now() - started > kHealthyRun) backoff.Reset();
    const absl::Duration wait = backoff.Next();
    absl::MutexLock lock(&mu_);
    down_ = reason;
    LogError(absl::StrCat("tenant ", tenant_, ": ", reason,
                          "; starting it again in ",
                          absl::FormatDuration(wait)));
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), wait)) return;
  }
}

}  // namespace mfgate::upstream
