// EnginePool: the engine processes of one project, shared fairly by the
// worker's callers.
//
// Each engine is a PersistentEngine (one supervised process, restarted when
// it dies). The pool starts one first, alone (it may run `dbt parse`, whose
// output the others then load), learns the warehouse from its `ready`, and
// grows, one start at a time, to `size` engines, or when `size` is 0 to the
// warehouse's default (DefaultPoolSize). An engine killed for a request that
// would not stop is replaced in the background; the others keep serving.
//
// A call takes an idle engine, or waits for one in the pool's queue, within
// its deadline and cancellation. The queue is bounded: past `max_queue`
// waiting calls, or past a caller's share of it once it is half full (the
// queue divided among the callers in it), a call is refused at once,
// ResourceExhausted with a retry hint. A freed engine goes to the waiting
// metadata call first (those that need an engine), then by start-time fair
// queuing: each call is tagged one past the later of its caller's previous
// tag and the tag last served, and the lowest tag goes first (the earlier
// call among equals). Calls of different callers are served first come,
// first served; a caller's many calls take turns with the others' instead
// of starving them. While the engines' starts fail, calls
// are answered at once with the cause.
//
// With start_on_demand, the pool starts no engine until a call needs one.
// Given an index read from the manifest (manifest_index), it serves that one
// under the manifest's hash from the start, and fetches the engine's own
// once an engine is up with that manifest: the engine's wins.
//
// After `idle_stop` with no call (counted from the last call or the last
// engine up, never while one starts), every engine stops (the worker then
// holds no Python process); the next call starts one and waits for it, and the
// pool grows again behind it. The pool keeps what its engines reported: the
// manifest hash and the semantic index, fetched once per manifest from an
// idle engine (v1::SemanticIndex), across stops and failed starts. When an
// engine comes up with another manifest (the project changed), that one is
// the pool's, and engines with the old one are replaced once idle.
//
// Thread-safe. A keeper thread starts and stops engines and fetches the
// index; engines are built and destroyed without the pool's lock. Lock
// order: the pool's, then an engine's (on_change takes the pool's lock with
// none of the engine's held).
#ifndef MFGATE_WORKER_ENGINE_ENGINE_POOL_H_
#define MFGATE_WORKER_ENGINE_ENGINE_POOL_H_

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "worker/engine/engine.h"
#include "worker/engine/persistent_engine.h"

namespace mfgate::engine {

struct EnginePoolOptions {
  // Of every engine; the pool sets on_change and retry_lost_requests.
  PersistentEngineOptions engine;
  // Engines; 0: DefaultPoolSize of the warehouse the first one reports.
  int size = 0;
  // Calls that may wait for an engine at once.
  int max_queue = 64;
  // Engines stop after this long without a call; zero: never.
  absl::Duration idle_stop = absl::Minutes(15);
  // No engine starts before the first call that needs one: the pool begins
  // as if stopped while idle.
  bool start_on_demand = false;
  // An index read without an engine (worker/manifest/project_manifest.h)
  // and the hash of the manifest it was read from: served until an engine
  // with that manifest computes its own, which then replaces it.
  std::shared_ptr<const v1::SemanticIndex> manifest_index;
  std::string manifest_index_sha256;
};

// Engines for a warehouse (the `adapter_type` of an engine's `ready`).
int DefaultPoolSize(const std::string& adapter_type);

class EnginePool final : public Engine {
 public:
  explicit EnginePool(EnginePoolOptions options);
  // Stops the keeper, then every engine.
  ~EnginePool() override;

  absl::StatusOr<v1::EngineResponse> CallFor(
      const std::string& caller, const v1::EngineRequest& request,
      absl::Time deadline, const std::function<bool()>& cancelled) override;
  bool Ready() const override;
  std::string Describe() const override;
  std::string ManifestSha256() const override;
  int Restarts() const override;
  std::string StartFailure() const override;
  std::shared_ptr<const v1::SemanticIndex> Index() const override;

  // Engine processes running or starting now.
  int Running() const;
  // The size the pool grows to; 0 until the first engine reports.
  int Size() const;
  // Calls holding an engine or waiting for one.
  int Pending() const;
  // Blocks until the keeper has finished `rounds` rounds since the pool was
  // made, or `deadline`; whether it has. What a round decides is then seen.
  bool AwaitKeeperRounds(int rounds, absl::Time deadline) const;

 private:
  struct Slot {
    std::unique_ptr<PersistentEngine> engine;
    bool in_use = false;  // Held by a call (or the keeper's index fetch).
    // Of the engine's process the pool saw ready last: its start count,
    // the order in which the pool saw it, and its manifest.
    int seen_starts = 0;
    uint64_t stamp = 0;
    std::string manifest;
  };
  struct Waiter {
    uint64_t seq;
    uint64_t tag;  // Of fair queuing.
    std::string caller;
    bool metadata;
    Slot* granted = nullptr;
  };

  // Hands idle engines to waiters, in order; notes start failures.
  void Grant() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An idle engine with the pool's manifest, not held; or null.
  Slot* IdleSlot() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The waiter to serve next.
  std::list<Waiter*>::iterator Next() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Why `caller` may not wait now, or OK.
  absl::Status Admit(const std::string& caller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Waits for an engine for `waiter` (queued); removes it when it fails.
  absl::Status Await(Waiter* waiter, absl::Time deadline,
                     const std::function<bool()>& cancelled)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Gives `slot` back.
  void Release(Slot* slot);
  // Called by an engine whose state changed.
  void OnChange();
  // The keeper thread.
  void Keep();
  // One round of the keeper: stops, starts and retires engines, fetches
  // the index.
  void KeepOnce();
  void FetchIndex(Slot* slot, const std::string& manifest);

  const EnginePoolOptions options_;

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);
  std::list<Waiter*> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  // Fair queuing: the tag last served, and each caller's last tag while it
  // is ahead of that one (so at most one entry per waiting call).
  uint64_t served_tag_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, uint64_t> last_tags_ ABSL_GUARDED_BY(mu_);
  int size_ ABSL_GUARDED_BY(mu_) = 0;  // 0 until known.
  // The pool's manifest: the one of the process seen ready last (stamp).
  std::string manifest_ ABSL_GUARDED_BY(mu_);
  uint64_t manifest_stamp_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t stamps_ ABSL_GUARDED_BY(mu_) = 0;
  // The index, and the manifest it was fetched for (even when it failed).
  std::shared_ptr<const v1::SemanticIndex> index_ ABSL_GUARDED_BY(mu_);
  std::string index_manifest_ ABSL_GUARDED_BY(mu_);
  // Whether index_manifest_'s index was asked of an engine (else it was
  // read from the manifest, and an engine's is still to be fetched).
  bool index_from_engine_ ABSL_GUARDED_BY(mu_) = false;
  std::string failure_ ABSL_GUARDED_BY(mu_);  // While starts fail.
  bool started_once_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;  // For idleness.
  // The last call, or the last engine seen up: idleness counts from it.
  absl::Time last_active_ ABSL_GUARDED_BY(mu_) = absl::Now();
  int retired_restarts_ ABSL_GUARDED_BY(mu_) = 0;
  bool keeper_due_ ABSL_GUARDED_BY(mu_) = true;
  int keeper_rounds_ ABSL_GUARDED_BY(mu_) = 0;
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  std::thread keeper_;  // Last: starts once the rest is built.
};

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_ENGINE_POOL_H_
