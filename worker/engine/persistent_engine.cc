#include "worker/engine/persistent_engine.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/frame_io.h"
#include "common/log.h"
#include "worker/engine/query_columns.h"

namespace mfgate::engine {
namespace {

// How long a waiting caller sleeps between looks at its cancellation.
constexpr absl::Duration kWaitSlice = absl::Milliseconds(50);

const char* StateName(int state) {
  static const char* const kNames[] = {"starting", "ready",  "busy",
                                       "draining", "broken", "shut down"};
  return kNames[state];
}

// The frame that tells the engine to stop request `id`.
std::string CancelFrame(uint64_t id) {
  v1::EngineRequest cancel;
  cancel.mutable_cancel()->set_id(id);
  return cancel.SerializeAsString();
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
    // End of input asks the engine to exit cleanly; the supervisor kills it
    // if it does not, and reaps it. A drain still reads: the supervisor
    // closes them when it ends.
    if (state_ != State::kDraining) CloseFds();
    state_ = State::kShutdown;
  }
  supervisor_.join();
}

bool PersistentEngine::Ready() const {
  absl::MutexLock lock(&mu_);
  return state_ == State::kReady || state_ == State::kBusy ||
         state_ == State::kDraining;
}

bool PersistentEngine::Idle() const {
  absl::MutexLock lock(&mu_);
  return state_ == State::kReady;
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

void PersistentEngine::Break(const std::string& why, bool ours) {
  if (state_ == State::kBroken || state_ == State::kShutdown) return;
  if (process_ != nullptr) process_->Signal(SIGKILL);
  CloseFds();
  break_reason_ = why;
  killed_by_us_ = ours;
  state_ = State::kBroken;
}

void PersistentEngine::StopRequest(uint64_t id, int to_engine) {
  // Written without the lock by the caller that owns the busy process: no
  // one else writes to it until it drains.
  const absl::Status told = WriteFrame(to_engine, CancelFrame(id));
  absl::MutexLock lock(&mu_);
  if (state_ != State::kBusy) return;  // Broken or shut down meanwhile.
  if (!told.ok()) {
    Break(absl::StrCat("cannot send a cancel: ", told.message()),
          /*ours=*/true);
    return;
  }
  state_ = State::kDraining;
  drain_id_ = id;
  drain_deadline_ = absl::Now() + options_.cancel_grace;
}

absl::StatusOr<v1::EngineResponse> PersistentEngine::CallFor(
    const std::string& /*caller*/, const v1::EngineRequest& request,
    absl::Time deadline, const std::function<bool()>& cancelled) {
  // Every engine request is read-only, so one that lost its process (killed
  // from outside, say) is sent once more to the restarted one. A request that
  // kills the engine twice fails.
  absl::StatusOr<v1::EngineResponse> response =
      CallOnce(request, deadline, cancelled);
  // A start that failed is not retried here: its cause is the answer.
  if (options_.retry_lost_requests &&
      response.status().code() == absl::StatusCode::kUnavailable &&
      StartFailure().empty()) {
    LogWarning(
        absl::StrCat("engine: retrying once: ", response.status().message()));
    response = CallOnce(request, deadline, cancelled);
  }
  // A query's rows sent column by column become rows here, outside the lock:
  // nothing past this point sees columns. A malformed answer is an error of
  // this request alone; the frame was whole, so the engine keeps serving.
  if (response.ok()) {
    absl::Status rows = ExpandQueryColumns(&*response, request.max_rows(),
                                           request.max_response_bytes());
    if (!rows.ok()) {
      LogWarning(absl::StrCat("engine: ", rows.message()));
      return rows;
    }
  }
  return response;
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
        std::string why = state_ == State::kBusy || state_ == State::kDraining
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
  bool started = false;
  absl::StatusOr<std::string> frame =
      sent.ok() ? ReadWholeFrame(from_engine, options_.max_response_bytes,
                                 deadline, kFrameTail, cancelled, &started)
                : absl::StatusOr<std::string>(sent);
  const absl::StatusCode code = frame.status().code();
  if (!started && (code == absl::StatusCode::kDeadlineExceeded ||
                   code == absl::StatusCode::kCancelled)) {
    // No answer begun: the process is told to stop, the caller answered now.
    StopRequest(framed.id(), to_engine);
    return code == absl::StatusCode::kCancelled
               ? absl::CancelledError(
                     "request cancelled; the query was stopped")
               : absl::DeadlineExceededError(
                     "deadline exceeded; the query was stopped");
  }
  v1::EngineResponse response;
  absl::MutexLock lock(&mu_);
  if (!frame.ok()) {
    switch (code) {
      case absl::StatusCode::kDeadlineExceeded:
        Break("an answer stalled half-sent", /*ours=*/true);
        return absl::DeadlineExceededError(
            "deadline exceeded; the query was stopped");
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
