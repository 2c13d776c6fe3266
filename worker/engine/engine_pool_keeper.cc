// EnginePool's keeper: the one thread that starts engines up to the pool's
// size (one at a time), retires idle engines of an older manifest, stops
// every engine once the pool has been idle past its time, and has an idle
// engine compute the semantic index. (Each engine restarts its own process.)
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "worker/engine/engine_pool.h"

namespace mfgate::engine {
namespace {

// How often the keeper looks for idleness when nothing wakes it.
constexpr absl::Duration kKeeperTick = absl::Seconds(1);
// How long an engine may take to compute the semantic index.
constexpr absl::Duration kIndexTimeout = absl::Minutes(2);

}  // namespace

void EnginePool::OnChange() {
  absl::MutexLock lock(&mu_);
  keeper_due_ = true;
  Grant();
}

void EnginePool::Keep() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto due = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return keeper_due_ || shutdown_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&due), kKeeperTick);
      if (shutdown_) return;
      keeper_due_ = false;
    }
    KeepOnce();
    absl::MutexLock lock(&mu_);
    ++keeper_rounds_;
  }
}

bool EnginePool::AwaitKeeperRounds(int rounds, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto done = [this, rounds]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return keeper_rounds_ >= rounds;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&done), deadline);
}

void EnginePool::KeepOnce() {
  std::vector<std::unique_ptr<Slot>> retired;
  bool start = false;
  Slot* fetch = nullptr;
  std::string fetch_manifest;
  {
    absl::MutexLock lock(&mu_);
    Grant();
    const bool quiet =
        queue_.empty() &&
        std::none_of(slots_.begin(), slots_.end(),
                     [](const auto& slot) { return slot->in_use; });
    const bool starting =
        std::any_of(slots_.begin(), slots_.end(),
                    [](const auto& slot) { return !slot->engine->Ready(); });
    // Idle: every engine stops (not while one starts, nor while starts
    // fail: calls are then answered at once with the cause, which needs a
    // start being tried).
    if (options_.idle_stop > absl::ZeroDuration() && quiet && !stopped_ &&
        !slots_.empty() && !starting && failure_.empty() &&
        absl::Now() - last_active_ >= options_.idle_stop) {
      LogInfo(absl::StrCat("engines: stopping ", slots_.size(),
                           " engines, idle for ",
                           absl::FormatDuration(options_.idle_stop)));
      stopped_ = true;
    }
    // Retired: all of them when stopped, else those idle with another
    // manifest.
    for (auto it = slots_.begin(); it != slots_.end();) {
      Slot& slot = **it;
      const bool stale = !slot.in_use && slot.seen_starts != 0 &&
                         slot.manifest != manifest_ && slot.engine->Idle();
      if (stopped_ || stale) {
        retired_restarts_ += slot.engine->Restarts();
        retired.push_back(std::move(*it));
        it = slots_.erase(it);
      } else {
        ++it;
      }
    }
    // One start at a time, up to the size (one until it is known).
    const int target = stopped_ ? 0 : std::max(size_, 1);
    start = static_cast<int>(slots_.size()) < target && !starting &&
            failure_.empty();
    // The index is fetched once the pool is whole and no call waits: it
    // takes an engine for seconds, which a caller must not wait behind.
    const bool whole = size_ > 0 && static_cast<int>(slots_.size()) >= size_ &&
                       !starting && queue_.empty();
    if (!manifest_.empty() &&
        (index_manifest_ != manifest_ || !index_from_engine_) && !fetching_ &&
        whole) {
      fetch = IdleSlot();
      if (fetch != nullptr) {
        fetch->in_use = true;
        fetching_ = true;
        fetch_manifest = manifest_;
      }
    }
  }
  retired.clear();  // Each engine stops its process; without the lock.
  if (start) {
    auto slot = std::make_unique<Slot>();
    PersistentEngineOptions engine = options_.engine;
    engine.on_change = [this] { OnChange(); };
    engine.retry_lost_requests = false;  // CallFor sends it to another.
    slot->engine = std::make_unique<PersistentEngine>(std::move(engine));
    absl::MutexLock lock(&mu_);
    slots_.push_back(std::move(slot));
  }
  if (fetch != nullptr) FetchIndex(fetch, fetch_manifest);
}

void EnginePool::FetchIndex(Slot* slot, const std::string& manifest) {
  v1::EngineRequest request;
  request.mutable_semantic_index();
  absl::StatusOr<v1::EngineResponse> response =
      slot->engine->Call(request, absl::Now() + kIndexTimeout, nullptr);
  std::shared_ptr<const v1::SemanticIndex> index;
  if (response.ok() && response->has_semantic_index()) {
    index = std::make_shared<const v1::SemanticIndex>(
        std::move(*response->mutable_semantic_index()));
    LogInfo("engines: metadata answered from the engine's semantic index");
  } else {
    LogWarning(absl::StrCat(
        "engines: no semantic index (metadata calls go to an engine): ",
        response.ok() ? response->error().message()
                      : response.status().message()));
  }
  absl::MutexLock lock(&mu_);
  fetching_ = false;
  slot->in_use = false;
  // Fetched once per manifest, whatever came of it; the index read from
  // that manifest stays when the engine's did not come.
  if (index != nullptr || index_manifest_ != manifest)
    index_ = std::move(index);
  index_manifest_ = manifest;
  index_from_engine_ = true;
  Grant();
}

}  // namespace mfgate::engine
