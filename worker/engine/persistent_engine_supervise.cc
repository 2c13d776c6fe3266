// PersistentEngine's supervisor thread (persistent_engine.h): starts the
// process, watches it, drains the answers of cancelled requests, reaps it
// and starts it again.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/backoff.h"
#include "common/frame_io.h"
#include "common/log.h"
#include "worker/engine/persistent_engine.h"

namespace mfgate::engine {
namespace {

// How often the supervisor looks for an idle process that died.
constexpr absl::Duration kLivenessInterval = absl::Milliseconds(200);
// A process that served this long resets the restart backoff.
constexpr absl::Duration kHealthyRun = absl::Minutes(1);

}  // namespace

absl::Status PersistentEngine::StartProcess() {
  int requests[2], responses[2];
  if (pipe2(requests, O_CLOEXEC) != 0)
    return absl::InternalError("pipe failed");
  if (pipe2(responses, O_CLOEXEC) != 0) {
    close(requests[0]);
    close(requests[1]);
    return absl::InternalError("pipe failed");
  }
  SpawnOptions spawn;
  spawn.argv = options_.argv;
  spawn.env = options_.env;
  spawn.cwd = options_.cwd;
  const int output = output_ != nullptr ? output_->write_fd() : STDERR_FILENO;
  spawn.fds = {{0, requests[0]}, {1, output}, {2, output}, {3, responses[1]}};
  {
    absl::MutexLock lock(&mu_);
    ++starts_;
  }
  absl::Time started = absl::Now();
  // The bootstrap fits the pipe, so writing it never waits for the engine.
  fcntl(requests[1], F_SETPIPE_SZ,
        static_cast<int>(
            std::min<size_t>(options_.bootstrap.size() + 4096, 1 << 20)));
  auto child = Subprocess::Spawn(spawn);
  close(requests[0]);
  close(responses[1]);
  auto fail = [&](absl::Status status) {
    close(requests[1]);
    close(responses[0]);
    if (child.ok()) (*child)->Terminate(absl::Seconds(2));
    absl::MutexLock lock(&mu_);
    last_error_ = std::string(status.message());
    if (state_ != State::kShutdown) {
      ++failed_starts_;
      state_ = State::kBroken;  // Wakes callers: they get the cause now.
    }
    return status;
  };
  if (!child.ok()) return fail(child.status());
  if (absl::Status sent = options_.bootstrap.empty()
                              ? absl::OkStatus()
                              : WriteFrame(requests[1], options_.bootstrap);
      !sent.ok()) {
    return fail(absl::UnavailableError(
        absl::StrCat("the engine did not start: cannot send its profile: ",
                     sent.message())));
  }

  auto frame = ReadFrame(responses[0], options_.max_response_bytes,
                         started + options_.startup_timeout, [this] {
                           absl::MutexLock lock(&mu_);
                           return state_ == State::kShutdown;
                         });
  if (!frame.ok()) {
    std::optional<ExitInfo> exit =
        (*child)->WaitUntil(absl::Now() + absl::Milliseconds(200));
    return fail(absl::UnavailableError(absl::StrCat(
        "the engine did not start: ", frame.status().message(),
        exit.has_value() ? absl::StrCat(" (", exit->ToString(), ")") : "")));
  }
  v1::EngineResponse hello;
  if (!hello.ParseFromString(*frame)) {
    return fail(
        absl::UnavailableError("the engine sent an unreadable first frame"));
  }
  if (hello.has_error()) {
    return fail(absl::UnavailableError(
        absl::StrCat("the engine cannot start: ", hello.error().message())));
  }
  if (!hello.has_ready()) {
    return fail(
        absl::UnavailableError("the engine's first frame is not `ready`"));
  }
  absl::MutexLock lock(&mu_);
  if (state_ == State::kShutdown) {
    close(requests[1]);
    close(responses[0]);
    (*child)->Terminate(kExitGrace);
    return absl::CancelledError("shutting down");
  }
  process_ = std::move(*child);
  to_engine_ = requests[1];
  from_engine_ = responses[0];
  ready_info_ = hello.ready();
  failed_starts_ = 0;
  last_error_.clear();
  state_ = State::kReady;
  LogInfo(absl::StrCat("engine: ready in ",
                       absl::FormatDuration(absl::Now() - started), " (pid ",
                       process_->pid(), ", MetricFlow ",
                       hello.ready().metricflow_version(), ", ",
                       hello.ready().adapter_type(), ")"));
  return absl::OkStatus();
}

void PersistentEngine::Monitor() {
  Subprocess* child;
  bool shutdown;
  while (true) {
    uint64_t drain_id;
    absl::Time drain_deadline;
    {
      absl::MutexLock lock(&mu_);
      auto due = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return state_ == State::kBroken || state_ == State::kShutdown ||
               state_ == State::kDraining;
      };
      mu_.AwaitWithTimeout(absl::Condition(&due), kLivenessInterval);
      if (state_ == State::kReady && process_->HasExited()) {
        Break("the engine process exited while idle");
      }
      if (state_ == State::kBroken || state_ == State::kShutdown) {
        child = process_.get();
        shutdown = state_ == State::kShutdown;
        break;
      }
      if (state_ != State::kDraining) continue;
      drain_id = drain_id_;
      drain_deadline = drain_deadline_;
    }
    Drain(drain_id, drain_deadline);
  }
  // Reaped without the lock: only this thread changes process_.
  std::optional<ExitInfo> exit;
  if (shutdown) exit = child->WaitUntil(absl::Now() + kExitGrace);
  if (!exit.has_value()) {
    child->Signal(SIGKILL);
    exit = child->WaitUntil(absl::InfiniteFuture());
  }
  absl::MutexLock lock(&mu_);
  if (!shutdown) {
    last_error_ =
        absl::StrCat(break_reason_, " (engine process ", exit->ToString(), ")");
    LogWarning(absl::StrCat("engine: ", last_error_, "; restarting"));
  }
  process_.reset();
  ++reaped_;
}

void PersistentEngine::Drain(uint64_t id, absl::Time deadline) {
  int from_engine;
  {
    absl::MutexLock lock(&mu_);
    from_engine = from_engine_;
  }
  auto shutting_down = [this] {
    absl::MutexLock lock(&mu_);
    return state_ == State::kShutdown;
  };
  bool started = false;
  absl::StatusOr<std::string> frame =
      ReadWholeFrame(from_engine, options_.max_response_bytes, deadline,
                     kFrameTail, shutting_down, &started);
  v1::EngineResponse response;
  const bool answered =
      frame.ok() && response.ParseFromString(*frame) && response.id() == id;
  {
    absl::MutexLock lock(&mu_);
    if (state_ == State::kShutdown) {
      CloseFds();  // Left open for this drain by the destructor.
      return;
    }
    if (answered) {
      state_ = State::kReady;
    } else {
      Break(frame.ok()
                ? "the engine answered a cancelled request out of step"
                : absl::StrCat("a cancelled request did not stop within ",
                               absl::FormatDuration(options_.cancel_grace)),
            /*ours=*/true);
    }
  }
  Notify();
}

void PersistentEngine::Supervise() {
  Backoff restart(options_.min_backoff, options_.max_backoff);
  Backoff retry(options_.min_start_backoff, options_.max_start_backoff);
  while (true) {
    const absl::Time started = absl::Now();
    absl::Duration wait;
    if (absl::Status status = StartProcess(); status.ok()) {
      retry.Reset();
      Notify();
      Monitor();
      if (absl::Now() - started > kHealthyRun) restart.Reset();
      absl::MutexLock lock(&mu_);
      // A process killed for a request that would not stop was not at
      // fault: it is replaced at once, and the backoff does not grow.
      wait = killed_by_us_ ? absl::ZeroDuration() : restart.Next();
      killed_by_us_ = false;
    } else {
      Notify();
      wait = retry.Next();
      absl::MutexLock lock(&mu_);
      if (state_ != State::kShutdown) {
        LogWarning(absl::StrCat("engine: ", status.message(),
                                "; trying again in ",
                                absl::FormatDuration(wait)));
      }
    }
    absl::MutexLock lock(&mu_);
    auto shutdown = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return state_ == State::kShutdown;
    };
    if (shutdown()) return;
    mu_.AwaitWithTimeout(absl::Condition(&shutdown), wait);
    if (shutdown()) return;
    state_ = State::kStarting;
  }
}

}  // namespace mfgate::engine
