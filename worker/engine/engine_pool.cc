#include "worker/engine/engine_pool.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace mfgate::engine {
namespace {

// How long a waiting caller sleeps between looks at its cancellation.
constexpr absl::Duration kWaitSlice = absl::Milliseconds(50);

// Engines per warehouse. Warehouses that serve many sessions at once get
// four; DuckDB, whose processes share the machine's cores with the worker
// (bench/RESULTS.md measures it), two reading the file read-only.
constexpr struct {
  const char* adapter;
  int engines;
} kDefaultSizes[] = {
    {"duckdb", 2},   {"postgres", 4},   {"redshift", 4}, {"snowflake", 4},
    {"bigquery", 4}, {"databricks", 4}, {"trino", 4},
};
constexpr int kDefaultSizeElsewhere = 2;

}  // namespace

int DefaultPoolSize(const std::string& adapter_type) {
  for (const auto& entry : kDefaultSizes) {
    if (adapter_type == entry.adapter) return entry.engines;
  }
  return kDefaultSizeElsewhere;
}

EnginePool::EnginePool(EnginePoolOptions options)
    : options_(std::move(options)),
      manifest_(options_.manifest_index != nullptr
                    ? options_.manifest_index_sha256
                    : ""),
      index_(options_.manifest_index),
      index_manifest_(manifest_),
      stopped_(options_.start_on_demand),
      keeper_([this] { Keep(); }) {}

EnginePool::~EnginePool() {
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
  }
  keeper_.join();
  std::vector<std::unique_ptr<Slot>> slots;
  {
    absl::MutexLock lock(&mu_);
    slots.swap(slots_);
  }
  slots.clear();  // Each engine stops its process; without the lock.
}

absl::StatusOr<v1::EngineResponse> EnginePool::CallFor(
    const std::string& caller, const v1::EngineRequest& request,
    absl::Time deadline, const std::function<bool()>& cancelled) {
  for (int attempt = 0;; ++attempt) {
    Waiter waiter;
    {
      absl::MutexLock lock(&mu_);
      last_active_ = absl::Now();
      if (stopped_) {  // Stopped while idle: start again.
        stopped_ = false;
        keeper_due_ = true;
      }
      waiter.seq = next_seq_++;
      // A caller that does not say who it is is one of its own.
      waiter.caller = caller.empty() ? absl::StrCat("#", waiter.seq) : caller;
      // Metadata (what the worker could not answer without an engine) and
      // the index wait ahead of queries.
      waiter.metadata =
          IsMetadataRequest(request) || request.has_semantic_index();
      if (absl::Status admitted = Admit(waiter.caller); !admitted.ok()) {
        return admitted;
      }
      uint64_t& last = last_tags_[waiter.caller];
      waiter.tag = last = std::max(last, served_tag_) + 1;
      queue_.push_back(&waiter);
      Grant();
      if (absl::Status got = Await(&waiter, deadline, cancelled); !got.ok()) {
        return got;
      }
    }
    Slot* slot = waiter.granted;
    absl::StatusOr<v1::EngineResponse> response =
        slot->engine->Call(request, deadline, cancelled);
    const bool lost =
        response.status().code() == absl::StatusCode::kUnavailable &&
        slot->engine->StartFailure().empty();
    Release(slot);
    // Every engine request only reads: one whose process died under it is
    // sent once more, to whichever engine is free first.
    if (!lost || attempt > 0 || (cancelled && cancelled())) return response;
    LogWarning(
        absl::StrCat("engine: retrying once: ", response.status().message()));
  }
}

absl::Status EnginePool::Admit(const std::string& caller) {
  if (shutdown_) return absl::UnavailableError("the worker is shutting down");
  if (!failure_.empty()) return absl::UnavailableError(failure_);
  const int waiting = static_cast<int>(queue_.size());
  if (waiting >= options_.max_queue) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the worker's engines are busy: ", waiting,
        " calls are waiting for one, the limit; retry in a second"));
  }
  if (2 * waiting < options_.max_queue) return absl::OkStatus();
  // Half full: each caller may hold its share of the queue.
  std::map<std::string, int> callers = {{caller, 0}};
  for (const Waiter* waiter : queue_) ++callers[waiter->caller];
  const int share =
      std::max(1, options_.max_queue / static_cast<int>(callers.size()));
  if (callers[caller] >= share) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the worker's engines are busy: this session has ", callers[caller],
        " calls waiting for one, its share of the queue; retry in a second"));
  }
  return absl::OkStatus();
}

absl::Status EnginePool::Await(Waiter* waiter, absl::Time deadline,
                               const std::function<bool()>& cancelled) {
  auto settled = [this, waiter]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return waiter->granted != nullptr || !failure_.empty() || shutdown_;
  };
  absl::Status status;
  while (!settled()) {
    if (cancelled && cancelled()) {
      status = absl::CancelledError("request cancelled");
      break;
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      status = absl::DeadlineExceededError(absl::StrCat(
          "deadline exceeded while waiting for an engine (", queue_.size() - 1,
          " other calls waiting, ", slots_.size(), " engines",
          stopped_ || slots_.empty() ? ", starting" : "", ")"));
      break;
    }
    mu_.AwaitWithDeadline(absl::Condition(&settled),
                          std::min(deadline, now + kWaitSlice));
  }
  if (waiter->granted != nullptr) return absl::OkStatus();
  queue_.remove(waiter);
  if (!status.ok()) return status;
  return absl::UnavailableError(shutdown_ ? "the worker is shutting down"
                                          : failure_);
}

void EnginePool::Release(Slot* slot) {
  absl::MutexLock lock(&mu_);
  slot->in_use = false;
  last_active_ = absl::Now();
  Grant();
}

void EnginePool::Grant() {
  // What the engines report: the warehouse (the pool's size), the newest
  // manifest, and whether their starts fail.
  bool any_ready = false;
  std::string failure;
  for (const auto& slot : slots_) {
    PersistentEngine& engine = *slot->engine;
    if (!engine.Ready()) {
      if (failure.empty()) failure = engine.StartFailure();
      continue;
    }
    any_ready = true;
    const int starts = engine.starts();
    if (starts == slot->seen_starts || !engine.Idle()) continue;
    // A process seen ready for the first time.
    const std::optional<v1::EngineReady> ready = engine.ready_info();
    if (!ready.has_value()) continue;
    slot->seen_starts = starts;
    slot->stamp = ++stamps_;
    slot->manifest = ready->manifest_sha256();
    started_once_ = true;
    // Idleness counts from when the engine is up, not from before its start.
    last_active_ = absl::Now();
    if (size_ == 0) {
      size_ = options_.size > 0 ? options_.size
                                : DefaultPoolSize(ready->adapter_type());
      LogInfo(absl::StrCat("engines: ", size_, " for ", ready->adapter_type(),
                           options_.size > 0 ? "" : " (its default)"));
      keeper_due_ = true;
    }
    if (slot->manifest != manifest_ && slot->stamp > manifest_stamp_) {
      if (!manifest_.empty()) {
        LogInfo(
            "engines: the semantic manifest changed; engines with the "
            "old one are replaced once idle");
      }
      manifest_ = slot->manifest;
      manifest_stamp_ = slot->stamp;
      keeper_due_ = true;
    }
  }
  failure_ = any_ready ? "" : failure;
  if (!failure_.empty()) return;  // Waiters see it and fail.
  while (!queue_.empty()) {
    Slot* slot = IdleSlot();
    if (slot == nullptr) break;
    auto next = Next();
    Waiter* waiter = *next;
    queue_.erase(next);
    waiter->granted = slot;
    slot->in_use = true;
    served_tag_ = std::max(served_tag_, waiter->tag);
  }
  // Tags no later than the one served order nothing any more.
  for (auto it = last_tags_.begin(); it != last_tags_.end();) {
    it = it->second <= served_tag_ ? last_tags_.erase(it) : std::next(it);
  }
}

EnginePool::Slot* EnginePool::IdleSlot() {
  for (const auto& slot : slots_) {
    if (!slot->in_use && slot->manifest == manifest_ &&
        slot->seen_starts == slot->engine->starts() && slot->engine->Idle()) {
      return slot.get();
    }
  }
  return nullptr;
}

std::list<EnginePool::Waiter*>::iterator EnginePool::Next() {
  auto best = queue_.begin();
  for (auto it = std::next(queue_.begin()); it != queue_.end(); ++it) {
    const Waiter* a = *it;
    const Waiter* b = *best;
    if (std::make_tuple(!a->metadata, a->tag, a->seq) <
        std::make_tuple(!b->metadata, b->tag, b->seq)) {
      best = it;
    }
  }
  return best;
}

bool EnginePool::Ready() const {
  absl::MutexLock lock(&mu_);
  if (shutdown_ || !failure_.empty()) return false;
  // Serving, or stopped while idle, or not started yet by design.
  if (started_once_ || options_.start_on_demand) return true;
  return std::any_of(slots_.begin(), slots_.end(),
                     [](const auto& slot) { return slot->engine->Ready(); });
}

std::string EnginePool::Describe() const {
  absl::MutexLock lock(&mu_);
  const int ready = static_cast<int>(
      std::count_if(slots_.begin(), slots_.end(),
                    [](const auto& slot) { return slot->engine->Ready(); }));
  return absl::StrCat(
      "engine pool (", ready, " of ", slots_.size(), " engines ready",
      size_ > 0 ? absl::StrCat(", size ", size_) : "", ", ", queue_.size(),
      " calls waiting", stopped_ ? ", stopped while idle" : "",
      failure_.empty() ? "" : absl::StrCat(", cannot start: ", failure_), ")");
}

std::string EnginePool::ManifestSha256() const {
  absl::MutexLock lock(&mu_);
  return manifest_;
}

int EnginePool::Restarts() const {
  absl::MutexLock lock(&mu_);
  int restarts = retired_restarts_;
  for (const auto& slot : slots_) restarts += slot->engine->Restarts();
  return restarts;
}

std::string EnginePool::StartFailure() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

std::shared_ptr<const v1::SemanticIndex> EnginePool::Index() const {
  absl::MutexLock lock(&mu_);
  return index_manifest_ == manifest_ ? index_ : nullptr;
}

int EnginePool::Running() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(slots_.size());
}

int EnginePool::Size() const {
  absl::MutexLock lock(&mu_);
  return size_;
}

int EnginePool::Pending() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size()) +
         static_cast<int>(
             std::count_if(slots_.begin(), slots_.end(),
                           [](const auto& slot) { return slot->in_use; }));
}

}  // namespace mfgate::engine
