// StartingEngine: the worker's engine from its first second, before the real
// one exists and while it cannot be built.
//
// Building the real engine (engine_factory.h: check the project and profile,
// make the scratch directory, describe the warehouse, start the engine) can
// fail for reasons that a person fixes while the worker runs: a missing
// profiles.yml, a profile that cannot be read. The worker keeps serving
// meanwhile: a thread of its own builds the engine, and builds it again with
// a backoff (min doubling to max) while that fails. Until an engine exists,
// a call waits within its deadline for the first build only; after a failed
// build it is answered at once, Unavailable with the cause. Once built, every
// call goes to the engine, which supervises itself.
//
// Thread-safe. The destructor stops the builder, then destroys the engine,
// then its scratch directory.
#ifndef MFGATE_WORKER_ENGINE_STARTING_ENGINE_H_
#define MFGATE_WORKER_ENGINE_STARTING_ENGINE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/temp_dir.h"
#include "worker/engine/engine.h"

namespace mfgate::engine {

// A built engine and the scratch directory it uses, when the worker made
// one (removed after the engine is gone).
struct BuiltEngine {
  std::unique_ptr<TempDir> scratch;  // Declared first: destroyed last.
  std::unique_ptr<Engine> engine;
};

class StartingEngine final : public Engine {
 public:
  using Build = std::function<absl::StatusOr<BuiltEngine>()>;

  StartingEngine(Build build, absl::Duration min_backoff,
                 absl::Duration max_backoff);
  ~StartingEngine() override;

  absl::StatusOr<v1::EngineResponse> CallFor(
      const std::string& caller, const v1::EngineRequest& request,
      absl::Time deadline, const std::function<bool()>& cancelled) override;
  bool Ready() const override;
  std::string Describe() const override;
  std::string ManifestSha256() const override;
  int Restarts() const override;
  std::string StartFailure() const override;
  std::shared_ptr<const v1::SemanticIndex> Index() const override;

 private:
  void BuildUntilBuilt();

  const Build build_;
  const absl::Duration min_backoff_;
  const absl::Duration max_backoff_;
  // Set once, by the builder; read without the lock on every call.
  std::atomic<Engine*> engine_{nullptr};

  mutable absl::Mutex mu_;
  BuiltEngine built_ ABSL_GUARDED_BY(mu_);
  std::string failure_ ABSL_GUARDED_BY(mu_);  // Of the last failed build.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread builder_;  // Last: starts once the rest is built.
};

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_STARTING_ENGINE_H_
