// The interface the worker's gRPC handlers use to run MetricFlow.
//
// An Engine executes one EngineRequest (proto/mfgate/v1/engine.proto) and
// returns the EngineResponse. Implementations: PersistentEngine (a long-lived
// Python process that loads MetricFlow once), EnginePool (several of them,
// shared fairly by callers), CliEngine (one `mf` process per request) and
// StartingEngine (the one being built). Implementations are thread-safe;
// requests may be queued internally, but every wait respects the caller's
// deadline and cancellation.
#ifndef MFGATE_WORKER_ENGINE_ENGINE_H_
#define MFGATE_WORKER_ENGINE_ENGINE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mfgate/v1/engine.pb.h"

namespace mfgate::engine {

// Whether `request` asks for metadata: an answer that is a function of the
// semantic manifest alone (dimension values and queries read the
// warehouse's data).
inline bool IsMetadataRequest(const v1::EngineRequest& request) {
  switch (request.request_case()) {
    case v1::EngineRequest::kListMetrics:
    case v1::EngineRequest::kListDimensions:
    case v1::EngineRequest::kListEntities:
    case v1::EngineRequest::kListSavedQueries:
    case v1::EngineRequest::kListSemanticModels:
      return true;
    default:
      return false;
  }
}

class Engine {
 public:
  virtual ~Engine() = default;

  // Runs `request` on behalf of `caller` (who asks: a session of the
  // gateway; empty when unknown), by which an engine that shares itself
  // among callers (EnginePool) queues it fairly; others ignore it. An
  // EngineResponse carrying an ErrorDetail (MetricFlow refused the request)
  // is a successful call: the caller interprets it. Errors:
  // DeadlineExceeded at `deadline`, Cancelled when `cancelled` returns
  // true, Unavailable when the engine is down or restarting.
  virtual absl::StatusOr<v1::EngineResponse> CallFor(
      const std::string& caller, const v1::EngineRequest& request,
      absl::Time deadline, const std::function<bool()>& cancelled) = 0;

  // CallFor with no caller named.
  absl::StatusOr<v1::EngineResponse> Call(
      const v1::EngineRequest& request, absl::Time deadline,
      const std::function<bool()>& cancelled) {
    return CallFor("", request, deadline, cancelled);
  }

  // Whether a request sent now would be served without waiting for a start
  // that may fail: an engine stopped while idle, whose last start worked,
  // counts as ready.
  virtual bool Ready() const = 0;

  // A one-line description for logs, e.g. "persistent (pid 123, ready)".
  virtual std::string Describe() const = 0;

  // SHA-256 of the semantic manifest the running engine loaded; empty when
  // unknown (then its metadata answers are not cached).
  virtual std::string ManifestSha256() const { return ""; }

  // How many times the engine process was started again after the first
  // start (it died, was killed, or its request outlived a deadline).
  virtual int Restarts() const { return 0; }

  // Why the engine cannot start, while its starts keep failing (calls are
  // then answered Unavailable with it at once); empty otherwise.
  virtual std::string StartFailure() const { return ""; }

  // The engine's own metadata answers for the manifest ManifestSha256()
  // names (v1::SemanticIndex), kept while no engine process runs; null
  // until an engine has computed them.
  virtual std::shared_ptr<const v1::SemanticIndex> Index() const {
    return nullptr;
  }
};

}  // namespace mfgate::engine

#endif  // MFGATE_WORKER_ENGINE_ENGINE_H_
