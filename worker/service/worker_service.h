// WorkerService: the gRPC face of mfgate-worker (service mfgate.v1.Worker).
//
// Each handler walks the same three stages: parse the request against the
// name and where-filter grammars and the limits and write it anew
// (worker/validate/canonical_request.h: the engine never sees the caller's
// text), run it on the engine with the caller's deadline and cancellation,
// on behalf of the caller's session (common/call_headers.h), then enforce
// the row and byte caps on what goes back, after keeping what a list
// request's search and limit select (list_filters.h). Metadata comes from the
// engines' semantic index (index_answers.h), with no engine process, and is not
// sent again to a caller that kept it (common/manifest_headers.h); metadata and
// compiled SQL the index cannot answer come from a cache while the engines
// keep the manifest. While the engine cannot start, metadata the worker
// kept is still answered, marked with why (kEngineDownHeader). Errors leave as
// gRPC statuses with an mfgate.v1.ErrorDetail (common/grpc_status.h), with
// warehouse messages redacted of anything that looks like a credential.
//
// Thread-safe: gRPC calls the handlers concurrently (callback API); answers
// that need no engine call leave from gRPC's own thread, engine calls run on
// ThreadCache threads and queue for the engine pool (engine_pool.h).
#ifndef MFGATE_WORKER_SERVICE_WORKER_SERVICE_H_
#define MFGATE_WORKER_SERVICE_WORKER_SERVICE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/metrics.h"
#include "mfgate/v1/worker.grpc.pb.h"
#include "worker/engine/engine.h"
#include "worker/service/answer_cache.h"
#include "worker/service/manifest_broadcast.h"
#include "worker/validate/canonical_request.h"

namespace mfgate::service {

struct ServiceOptions {
  validate::Limits limits;
  // Caps on a query's result: rows, and serialized bytes of the response.
  int64_t max_rows = 10000;
  size_t max_response_bytes = 16u << 20;
  // Deadline of a request whose caller set none, and the longest allowed.
  absl::Duration default_deadline = absl::Seconds(120);
  absl::Duration max_deadline = absl::Minutes(30);
};

class WorkerService final : public v1::Worker::CallbackService {
 public:
  // `engine` is not owned and must outlive the service. It may be null until
  // AttachEngine: the worker binds its listener before it starts its engine
  // (it drops privileges in between); calls before then wait for it.
  WorkerService(engine::Engine* engine, ServiceOptions options);

  void AttachEngine(engine::Engine* engine) { engine_.store(engine); }

  // Defines the worker's request families in `registry` (not owned; must
  // outlive the service) and records every request into them.
  void ExportMetrics(MetricsRegistry* registry);

  grpc::ServerUnaryReactor* ListMetrics(
      grpc::CallbackServerContext* context,
      const v1::ListMetricsRequest* request,
      v1::ListMetricsResponse* response) override;
  grpc::ServerUnaryReactor* ListDimensions(
      grpc::CallbackServerContext* context,
      const v1::ListDimensionsRequest* request,
      v1::ListDimensionsResponse* response) override;
  grpc::ServerUnaryReactor* ListEntities(
      grpc::CallbackServerContext* context,
      const v1::ListEntitiesRequest* request,
      v1::ListEntitiesResponse* response) override;
  grpc::ServerUnaryReactor* ListDimensionValues(
      grpc::CallbackServerContext* context,
      const v1::ListDimensionValuesRequest* request,
      v1::ListDimensionValuesResponse* response) override;
  grpc::ServerUnaryReactor* ListSavedQueries(
      grpc::CallbackServerContext* context,
      const v1::ListSavedQueriesRequest* request,
      v1::ListSavedQueriesResponse* response) override;
  grpc::ServerUnaryReactor* ListSemanticModels(
      grpc::CallbackServerContext* context,
      const v1::ListSemanticModelsRequest* request,
      v1::ListSemanticModelsResponse* response) override;
  grpc::ServerUnaryReactor* Query(grpc::CallbackServerContext* context,
                                  const v1::QueryRequest* request,
                                  v1::QueryResponse* response) override;
  grpc::ServerUnaryReactor* ValidateConfigs(
      grpc::CallbackServerContext* context,
      const v1::ValidateConfigsRequest* request,
      v1::ValidateConfigsResponse* response) override;
  grpc::ServerUnaryReactor* HealthChecks(
      grpc::CallbackServerContext* context,
      const v1::HealthChecksRequest* request,
      v1::HealthChecksResponse* response) override;
  grpc::ServerWriteReactor<v1::ManifestState>* WatchManifest(
      grpc::CallbackServerContext* context,
      const v1::WatchManifestRequest* request) override;

  // Tells watchers the engine's manifest: its hash while `serving`, else
  // that none is known (manifest_broadcast.h). Called often (the worker's
  // health loop); cheap when nothing is due.
  void PublishManifest(bool serving);
  // Ends every watch; before the server shuts down.
  void EndWatches() { manifests_.Close(); }
  // Requests answered so far.
  uint64_t served() const { return served_.load(std::memory_order_relaxed); }

 private:
  // Answers `request` without the engine when it can (never blocks): "not
  // modified" to a caller that kept a metadata answer, from the semantic
  // index, or from the cache.
  // nullopt when the engine must answer. `cache_key`: AnswerCache::KeyOf
  // the request, empty when it is not Cacheable.
  std::optional<grpc::Status> AnswerWithoutEngine(
      grpc::CallbackServerContext* context, const v1::EngineRequest& request,
      const std::string& cache_key, v1::EngineResponse* reply);
  // Runs `request` on the engine, first waiting for the engine to be
  // attached; blocks. `reply` receives the response, whose oneof case must be
  // `expected`; a cacheable one is stored under `cache_key`.
  grpc::Status RunOnEngine(grpc::CallbackServerContext* context,
                           const v1::EngineRequest& request,
                           const std::string& cache_key,
                           v1::EngineResponse::ResponseCase expected,
                           v1::EngineResponse* reply);
  // Validates `request` and answers it as the `request_field` of an
  // EngineRequest: on gRPC's thread when no engine call is needed, else on a
  // thread of its own (an engine call blocks). `finish` then sees the
  // `response_field` of the reply, moved into `response`, before it leaves.
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* Serve(
      grpc::CallbackServerContext* context, const Request& request,
      Response* response, Request* (v1::EngineRequest::*request_field)(),
      Response* (v1::EngineResponse::*response_field)(),
      v1::EngineResponse::ResponseCase expected,
      void (*finish)(const ServiceOptions&, Response*) = nullptr);
  absl::Time DeadlineOf(const grpc::CallbackServerContext* context) const;

  std::atomic<engine::Engine*> engine_;
  AnswerCache cache_;
  // Metadata requests answered as not modified (common/manifest_headers.h).
  std::atomic<size_t> not_modified_{0};
  // Requests answered, whichever way (the idle trimmer's activity count).
  std::atomic<uint64_t> served_{0};
  // Metadata requests answered from the semantic index.
  std::atomic<size_t> index_answers_{0};
  ManifestBroadcast manifests_;
  std::atomic<MetricsRegistry*> metrics_{nullptr};
  const ServiceOptions options_;
};

}  // namespace mfgate::service

#endif  // MFGATE_WORKER_SERVICE_WORKER_SERVICE_H_
