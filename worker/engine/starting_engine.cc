#include "worker/engine/starting_engine.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/backoff.h"
#include "common/log.h"

namespace mfgate::engine {
namespace {

// How long a waiting caller sleeps between looks at its cancellation.
constexpr absl::Duration kWaitSlice = absl::Milliseconds(50);

}  // namespace

StartingEngine::StartingEngine(Build build, absl::Duration min_backoff,
                               absl::Duration max_backoff)
    : build_(std::move(build)),
      min_backoff_(min_backoff),
      max_backoff_(max_backoff),
      builder_([this] { BuildUntilBuilt(); }) {}

StartingEngine::~StartingEngine() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  builder_.join();
  absl::MutexLock lock(&mu_);
  engine_.store(nullptr);
  built_.engine.reset();   // Stops the engine's process first,
  built_.scratch.reset();  // then removes the directory it wrote in.
}

void StartingEngine::BuildUntilBuilt() {
  Backoff backoff(min_backoff_, max_backoff_);
  auto stopping = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  while (true) {
    absl::StatusOr<BuiltEngine> built = build_();
    absl::MutexLock lock(&mu_);
    if (built.ok()) {
      built_ = std::move(*built);
      failure_.clear();
      engine_.store(built_.engine.get());
      return;
    }
    failure_ = std::string(built.status().message());
    const absl::Duration wait = backoff.Next();
    LogError(absl::StrCat("engine: cannot start: ", failure_,
                          "; trying again in ", absl::FormatDuration(wait)));
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), wait)) return;
  }
}

absl::StatusOr<v1::EngineResponse> StartingEngine::CallFor(
    const std::string& caller, const v1::EngineRequest& request,
    absl::Time deadline, const std::function<bool()>& cancelled) {
  if (Engine* engine = engine_.load(); engine != nullptr) {
    return engine->CallFor(caller, request, deadline, cancelled);
  }
  {
    absl::MutexLock lock(&mu_);
    auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return engine_.load() != nullptr || !failure_.empty() || stopping_;
    };
    while (!settled()) {
      if (cancelled && cancelled())
        return absl::CancelledError("request cancelled");
      const absl::Time now = absl::Now();
      if (now >= deadline) {
        return absl::DeadlineExceededError(
            "deadline exceeded while the worker prepared its engine");
      }
      mu_.AwaitWithDeadline(absl::Condition(&settled),
                            std::min(deadline, now + kWaitSlice));
    }
    if (engine_.load() == nullptr) {
      return absl::UnavailableError(
          stopping_ ? "the worker is shutting down"
                    : absl::StrCat("the engine cannot start: ", failure_));
    }
  }
  return engine_.load()->CallFor(caller, request, deadline, cancelled);
}

bool StartingEngine::Ready() const {
  Engine* engine = engine_.load();
  return engine != nullptr && engine->Ready();
}

std::string StartingEngine::Describe() const {
  if (Engine* engine = engine_.load(); engine != nullptr) {
    return engine->Describe();
  }
  absl::MutexLock lock(&mu_);
  return failure_.empty() ? "engine being prepared"
                          : absl::StrCat("engine cannot start: ", failure_);
}

std::string StartingEngine::ManifestSha256() const {
  Engine* engine = engine_.load();
  return engine != nullptr ? engine->ManifestSha256() : "";
}

int StartingEngine::Restarts() const {
  Engine* engine = engine_.load();
  return engine != nullptr ? engine->Restarts() : 0;
}

std::shared_ptr<const v1::SemanticIndex> StartingEngine::Index() const {
  Engine* engine = engine_.load();
  return engine != nullptr ? engine->Index() : nullptr;
}

std::string StartingEngine::StartFailure() const {
  if (Engine* engine = engine_.load(); engine != nullptr) {
    return engine->StartFailure();
  }
  absl::MutexLock lock(&mu_);
  return failure_.empty() ? ""
                          : absl::StrCat("the engine cannot start: ", failure_);
}

}  // namespace mfgate::engine
