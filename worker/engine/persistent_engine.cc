#include "worker/engine/persistent_engine.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/backoff.h"
#include "common/frame_io.h"
#include "common/log.h"

namespace mfgate::engine {
namespace {

// How often the supervisor looks for an idle process that died.
constexpr absl::Duration kLivenessInterval = absl::Milliseconds(200);
// How long a waiting caller sleeps between looks at its cancellation.
constexpr absl::Duration kWaitSlice = absl::Milliseconds(50);
// How long an engine may take to exit after its input is closed.
constexpr absl::Duration kExitGrace = absl::Seconds(2);
// A process that served this long resets the restart backoff.
constexpr absl::Duration kHealthyRun = absl::Minutes(1);

const char* StateName(int state) {
  static const char* const kNames[] = {"starting", "ready", "busy", "broken",
                                       "shut down"};
  return kNames[state];
}

std::unique_ptr<LineForwarder> ForwardEngineOutput() {
  auto forwarder = LineForwarder::Start("engine", LogLevel::kInfo);
  if (forwarder.ok()) return std::move(*forwarder);
  LogWarning(absl::StrCat("engine output goes to stderr unformatted: ",
                          forwarder.status().message()));
  return nullptr;
}

}  // namespace

PersistentEngine::PersistentEngine(PersistentEngineOptions options)
    : options_(std::move(options)),
      output_(ForwardEngineOutput()),
      supervisor_([this] { Supervise(); }) {}

PersistentEngine::~PersistentEngine() {
  {
    absl::MutexLock lock(&mu_);
    state_ = State::kShutdown;
    // End of input asks the engine to exit cleanly; the supervisor kills it
    // if it does not, and reaps it.
    CloseFds();
  }
  supervisor_.join();
}

bool PersistentEngine::Ready() const {
  absl::MutexLock lock(&mu_);
  return state_ == State::kReady || state_ == State::kBusy;
}

std::string PersistentEngine::Describe() const {
  absl::MutexLock lock(&mu_);
  return absl::StrCat(
      "persistent engine (", StateName(static_cast<int>(state_)),
      process_ != nullptr ? absl::StrCat(", pid ", process_->pid()) : "",
      ", starts ", starts_,
      last_error_.empty() ? "" : absl::StrCat(", last error: ", last_error_),
      ")");
}

std::string PersistentEngine::ManifestSha256() const {
  absl::MutexLock lock(&mu_);
  return ready_info_.has_value() ? ready_info_->manifest_sha256() : "";
}

std::optional<v1::EngineReady> PersistentEngine::ready_info() const {
  absl::MutexLock lock(&mu_);
  return ready_info_;
}

int PersistentEngine::starts() const {
  absl::MutexLock lock(&mu_);
  return starts_;
}

int PersistentEngine::Restarts() const { return std::max(0, starts() - 1); }

std::string PersistentEngine::StartFailure() const {
  absl::MutexLock lock(&mu_);
  return failed_starts_ > 0 ? last_error_ : "";
}

pid_t PersistentEngine::pid() const {
  absl::MutexLock lock(&mu_);
  return process_ != nullptr ? process_->pid() : 0;
}

void PersistentEngine::CloseFds() {
  if (to_engine_ >= 0) close(to_engine_);
  if (from_engine_ >= 0) close(from_engine_);
  to_engine_ = from_engine_ = -1;
}

void PersistentEngine::Break(const std::string& why) {
  if (state_ == State::kBroken || state_ == State::kShutdown) return;
  if (process_ != nullptr) process_->Signal(SIGKILL);
  CloseFds();
  break_reason_ = why;
  state_ = State::kBroken;
}

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
  {
    absl::MutexLock lock(&mu_);
    auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return state_ == State::kBroken || state_ == State::kShutdown;
    };
    while (!stopped()) {
      mu_.AwaitWithTimeout(absl::Condition(&stopped), kLivenessInterval);
      if (state_ == State::kReady && process_->HasExited()) {
        Break("the engine process exited while idle");
      }
    }
    child = process_.get();
    shutdown = state_ == State::kShutdown;
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

void PersistentEngine::Supervise() {
  Backoff restart(options_.min_backoff, options_.max_backoff);
  Backoff retry(options_.min_start_backoff, options_.max_start_backoff);
  while (true) {
    const absl::Time started = absl::Now();
    absl::Duration wait;
    if (absl::Status status = StartProcess(); status.ok()) {
      retry.Reset();
      Monitor();
      if (absl::Now() - started > kHealthyRun) restart.Reset();
      wait = restart.Next();
    } else {
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

absl::StatusOr<v1::EngineResponse> PersistentEngine::Call(
    const v1::EngineRequest& request, absl::Time deadline,
    const std::function<bool()>& cancelled) {
  // Every engine request is read-only, so one that lost its process (killed
  // from outside, say) is sent once more to the restarted one. A request that
  // kills the engine twice fails.
  absl::StatusOr<v1::EngineResponse> response =
      CallOnce(request, deadline, cancelled);
  // A start that failed is not retried here: its cause is the answer.
  if (response.status().code() != absl::StatusCode::kUnavailable ||
      !StartFailure().empty()) {
    return response;
  }
  LogWarning(
      absl::StrCat("engine: retrying once: ", response.status().message()));
  return CallOnce(request, deadline, cancelled);
}

absl::StatusOr<v1::EngineResponse> PersistentEngine::CallOnce(
    const v1::EngineRequest& request, absl::Time deadline,
    const std::function<bool()>& cancelled) {
  v1::EngineRequest framed = request;
  int to_engine, from_engine;
  {
    absl::MutexLock lock(&mu_);
    // Ready, shut down, or broken by a start that failed: nothing to wait
    // for (the next start is minutes away at worst, and may fail again).
    auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return state_ == State::kReady || state_ == State::kShutdown ||
             failed_starts_ > 0;
    };
    while (true) {
      // A process killed while idle is noticed here, before a request is
      // sent to it, rather than at the supervisor's next look.
      if (state_ == State::kReady && process_->HasExited()) {
        Break("the engine process exited while idle");
      }
      if (state_ == State::kReady) break;
      if (state_ == State::kShutdown)
        return absl::UnavailableError("the engine is shutting down");
      if (failed_starts_ > 0) return absl::UnavailableError(last_error_);
      if (cancelled && cancelled())
        return absl::CancelledError("request cancelled");
      absl::Time now = absl::Now();
      if (now >= deadline) {
        std::string why = state_ == State::kBusy
                              ? "the engine is busy with another request"
                              : "the engine is starting";
        if (!last_error_.empty()) absl::StrAppend(&why, " (", last_error_, ")");
        return absl::DeadlineExceededError(
            absl::StrCat("deadline exceeded while waiting: ", why));
      }
      mu_.AwaitWithDeadline(absl::Condition(&settled),
                            std::min(deadline, now + kWaitSlice));
    }
    state_ = State::kBusy;
    framed.set_id(next_id_++);
    // The warehouse's statement timeout, where it has one.
    framed.set_deadline_ms(
        std::clamp<int64_t>(absl::ToInt64Milliseconds(deadline - absl::Now()),
                            1, absl::ToInt64Milliseconds(absl::Hours(24))));
    to_engine = to_engine_;
    from_engine = from_engine_;
  }

  absl::Status sent = WriteFrame(to_engine, framed.SerializeAsString());
  absl::StatusOr<std::string> frame =
      sent.ok() ? ReadFrame(from_engine, options_.max_response_bytes, deadline,
                            cancelled)
                : absl::StatusOr<std::string>(sent);
  v1::EngineResponse response;
  absl::MutexLock lock(&mu_);
  if (!frame.ok()) {
    switch (frame.status().code()) {
      case absl::StatusCode::kDeadlineExceeded:
        Break("a request exceeded its deadline");
        return absl::DeadlineExceededError(
            "deadline exceeded; the query was stopped");
      case absl::StatusCode::kCancelled:
        Break("a request was cancelled");
        return absl::CancelledError("request cancelled; the query was stopped");
      default: {
        // The supervisor reaps the process: wait (briefly) for how it ended.
        const uint64_t reaped = reaped_;
        Break(absl::StrCat("lost the engine: ", frame.status().message()));
        auto told = [this, reaped]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return reaped_ != reaped || state_ == State::kShutdown;
        };
        mu_.AwaitWithDeadline(absl::Condition(&told),
                              std::min(deadline, absl::Now() + kExitGrace));
        return absl::UnavailableError(
            absl::StrCat("the engine stopped while serving the request: ",
                         told() ? last_error_ : break_reason_));
      }
    }
  }
  if (!response.ParseFromString(*frame) || response.id() != framed.id()) {
    Break("the engine sent an unreadable or mismatched frame");
    return absl::InternalError("the engine sent an invalid response");
  }
  if (state_ == State::kBusy) state_ = State::kReady;
  return response;
}

}  // namespace mfgate::engine
