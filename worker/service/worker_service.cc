#include "worker/service/worker_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/call_headers.h"
#include "common/field_error.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "common/manifest_headers.h"
#include "common/redact.h"
#include "common/thread_cache.h"
#include "worker/service/index_answers.h"
#include "worker/service/list_filters.h"
#include "worker/service/query_caps.h"

namespace mfgate::service {
namespace {

// The worker's caps on a query's answer (query_caps.h).
void EnforceCaps(const ServiceOptions& options, v1::QueryResponse* query) {
  CapQueryAnswer(options.max_rows, options.max_response_bytes, query);
}

// What cached answers were computed from: the manifest (the engine's
// ManifestSha256()). Compiled queries also depend on the SQL dialect of the
// profile, which the worker reads once, when it builds its engine: every
// engine process of the worker, restarted or not, has the same.
const std::string& CacheVersionOf(const std::string& manifest) {
  return manifest;
}

// Every error leaves the worker through here: redacted of credentials and
// install paths (common/redact.h), then bounded for the wire
// (common/grpc_status.h).
grpc::Status ToCaller(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return ToGrpcStatus(
      WithErrorContext(absl::Status(status.code(), ForCaller(status.message())),
                       ErrorField(status), ErrorSuggestions(status)));
}

}  // namespace

WorkerService::WorkerService(engine::Engine* engine, ServiceOptions options)
    : engine_(engine),
      // The gateway bounds a query's `limit` by the cap the stream carries,
      // and a query without one by the default limit.
      manifests_(absl::Seconds(5), options.max_rows,
                 options.limits.default_limit),
      options_(std::move(options)) {}

absl::Time WorkerService::DeadlineOf(
    const grpc::CallbackServerContext* context) const {
  absl::Time now = absl::Now();
  absl::Time deadline = absl::FromChrono(context->deadline());
  if (deadline > now + options_.max_deadline) {
    // No deadline from the caller shows as the infinite future.
    deadline = deadline == absl::InfiniteFuture() ||
                       deadline > now + absl::Hours(24 * 365)
                   ? now + options_.default_deadline
                   : now + options_.max_deadline;
  }
  return deadline;
}

std::optional<grpc::Status> WorkerService::AnswerWithoutEngine(
    grpc::CallbackServerContext* context, const v1::EngineRequest& request,
    const std::string& cache_key, v1::EngineResponse* reply) {
  engine::Engine* engine = engine_.load();
  if (engine == nullptr) return std::nullopt;
  const std::string manifest = engine->ManifestSha256();
  if (manifest.empty()) return std::nullopt;
  const bool metadata = engine::IsMetadataRequest(request);
  // Metadata answered while the engine cannot start says so, and is sent
  // whole (never "not modified"), so that the caller shows why.
  const std::string down = metadata ? engine->StartFailure() : "";
  auto label = [&] {
    if (down.empty()) {
      context->AddInitialMetadata(kManifestHeader, manifest);
    } else {
      context->AddInitialMetadata(
          kEngineDownHeader,
          ShortenForWire(ForCaller(down), kMaxWireMessageBytes));
    }
  };
  // A caller that kept a metadata answer under this manifest needs nothing
  // more (common/manifest_headers.h).
  if (metadata && down.empty() &&
      HeaderValue(context->client_metadata(), kIfManifestHeader) == manifest) {
    context->AddInitialMetadata(kManifestHeader, manifest);
    context->AddInitialMetadata(kNotModifiedHeader, "1");
    not_modified_.fetch_add(1, std::memory_order_relaxed);
    reply->Clear();
    return grpc::Status::OK;
  }
  // The engine's own answers for this manifest (index_answers.h).
  if (std::shared_ptr<const v1::SemanticIndex> index = engine->Index();
      metadata && index != nullptr) {
    if (std::optional<v1::EngineResponse> answer =
            AnswerFromIndex(request, *index);
        answer.has_value()) {
      label();
      index_answers_.fetch_add(1, std::memory_order_relaxed);
      *reply = std::move(*answer);
      return grpc::Status::OK;
    }
  }
  // Metadata and compiled SQL depend only on what the engine loaded: a
  // repeated request is answered from the cache (answer_cache.h).
  if (cache_key.empty()) return std::nullopt;
  auto cached = cache_.Lookup(CacheVersionOf(manifest), cache_key);
  if (!cached.has_value()) return std::nullopt;
  label();
  *reply = std::move(*cached);
  return grpc::Status::OK;
}

grpc::Status WorkerService::RunOnEngine(
    grpc::CallbackServerContext* context, const v1::EngineRequest& request,
    const std::string& cache_key, v1::EngineResponse::ResponseCase expected,
    v1::EngineResponse* reply) {
  // The engine is attached once the worker has dropped its privileges and
  // prepared the engine's confinement (a second or two after binding): a call
  // that arrives first waits for it, as it would for the engine's start.
  engine::Engine* engine = engine_.load();
  const bool waited = engine == nullptr;
  const absl::Time deadline = DeadlineOf(context);
  while (engine == nullptr && absl::Now() < deadline &&
         !context->IsCancelled()) {
    absl::SleepFor(absl::Milliseconds(20));
    engine = engine_.load();
  }
  if (engine == nullptr) {
    return ToCaller(
        absl::UnavailableError("the worker is still starting its engine"));
  }
  // Attached since the call came: what it holds (the index read from the
  // manifest) may answer without starting an engine.
  if (waited) {
    if (std::optional<grpc::Status> answered =
            AnswerWithoutEngine(context, request, cache_key, reply);
        answered.has_value()) {
      return *answered;
    }
  }
  const std::string manifest = engine->ManifestSha256();
  const std::string version = CacheVersionOf(manifest);
  const bool cacheable = !manifest.empty() && !cache_key.empty();
  // Engines are shared fairly among the gateway's sessions.
  const std::string caller =
      HeaderValue(context->client_metadata(), kCallerHeader)
          .substr(0, kMaxCallerBytes);
  absl::StatusOr<v1::EngineResponse> response = engine->CallFor(
      caller, request, deadline, [context] { return context->IsCancelled(); });
  // Stored only when the engine kept what it loaded during the call.
  if (cacheable && response.ok() && !response->has_error() &&
      response->response_case() == expected &&
      CacheVersionOf(engine->ManifestSha256()) == version) {
    cache_.Store(version, cache_key, *response);
    context->AddInitialMetadata(kManifestHeader, manifest);
  }
  if (!response.ok()) return ToCaller(response.status());
  if (response->has_error())
    return ToCaller(FromErrorDetail(response->error()));
  if (response->response_case() != expected) {
    LogError(absl::StrCat("engine answered case ", response->response_case(),
                          " to a request for case ", expected));
    return ToCaller(absl::InternalError("the engine sent the wrong answer"));
  }
  *reply = std::move(*response);
  return grpc::Status::OK;
}

void WorkerService::ExportMetrics(MetricsRegistry* registry) {
  registry->DefineCounter("mfgate_worker_requests_total",
                          "Worker requests, by method and gRPC status code.",
                          {"method", "code"});
  registry->DefineHistogram("mfgate_worker_request_seconds",
                            "Duration of worker requests.", {"method"},
                            LatencyBuckets());
  registry->DefineCounterReader(
      "mfgate_worker_answer_cache_hits_total",
      "Metadata and compile-only requests answered from the cache.",
      [this] { return static_cast<double>(cache_.hits()); });
  registry->DefineCounterReader(
      "mfgate_worker_index_answers_total",
      "Metadata requests answered from the engines' semantic index.",
      [this] { return static_cast<double>(index_answers_.load()); });
  registry->DefineCounterReader(
      "mfgate_worker_metadata_not_modified_total",
      "Metadata requests answered as not modified since the caller's copy.",
      [this] { return static_cast<double>(not_modified_.load()); });
  registry->DefineGauge(
      "mfgate_worker_manifest_watchers",
      "Open WatchManifest streams (gateways following the manifest).",
      [this] { return static_cast<double>(manifests_.watchers()); });
  metrics_ = registry;
}

template <typename Request, typename Response>
grpc::ServerUnaryReactor* WorkerService::Serve(
    grpc::CallbackServerContext* context, const Request& request,
    Response* response, Request* (v1::EngineRequest::*request_field)(),
    Response* (v1::EngineResponse::*response_field)(),
    v1::EngineResponse::ResponseCase expected,
    void (*finish)(const ServiceOptions&, Response*)) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time start = absl::Now();
  // Records the request, fills `response` and answers.
  // `filter`: what the worker keeps of a list answer (list_filters.h).
  auto complete = [this, reactor, response, response_field, expected, finish,
                   start](grpc::Status status, v1::EngineResponse* reply,
                          const ListFilter& filter) {
    served_.fetch_add(1, std::memory_order_relaxed);
    if (MetricsRegistry* metrics = metrics_.load(); metrics != nullptr) {
      const std::string method =
          v1::EngineResponse::descriptor()->FindFieldByNumber(expected)->name();
      metrics->Increment("mfgate_worker_requests_total",
                         {method, std::to_string(status.error_code())});
      metrics->Observe("mfgate_worker_request_seconds", {method},
                       absl::ToDoubleSeconds(absl::Now() - start));
    }
    if (status.ok()) {
      ApplyListFilter(filter, reply);
      *response = std::move(*(reply->*response_field)());
      if (finish != nullptr) finish(options_, response);
    }
    reactor->Finish(status);
  };
  // The engine gets the request as the worker wrote it anew, never the
  // caller's (canonical_request.h).
  absl::StatusOr<Request> canonical =
      validate::Canonicalize(request, options_.limits);
  if (!canonical.ok()) {
    complete(ToCaller(canonical.status()), nullptr, ListFilter());
    return reactor;
  }
  v1::EngineRequest engine_request;
  *(engine_request.*request_field)() = std::move(*canonical);
  engine_request.set_max_rows(options_.max_rows);
  engine_request.set_max_response_bytes(
      static_cast<int64_t>(options_.max_response_bytes));
  // The engine answers the full list; the worker filters it.
  ListFilter filter = TakeListFilter(&engine_request);
  // Computed once: both the cache lookup and, after an engine call, the
  // store use it.
  std::string cache_key = AnswerCache::Cacheable(engine_request)
                              ? AnswerCache::KeyOf(engine_request)
                              : "";
  v1::EngineResponse reply;
  if (std::optional<grpc::Status> answered =
          AnswerWithoutEngine(context, engine_request, cache_key, &reply);
      answered.has_value()) {
    complete(*answered, &reply, filter);
    return reactor;
  }
  // An engine call blocks (for up to the deadline): not on gRPC's thread.
  // The threads are capped: past the cap a call is refused, not parked.
  const bool taken = ThreadCache::Shared().TryRun(
      [this, context, expected, complete,
       engine_request = std::move(engine_request),
       cache_key = std::move(cache_key), filter = std::move(filter)] {
        v1::EngineResponse reply;
        complete(
            RunOnEngine(context, engine_request, cache_key, expected, &reply),
            &reply, filter);
      });
  if (!taken) {
    complete(ToCaller(absl::ResourceExhaustedError(absl::StrCat(
                 "the worker is busy: ", ThreadCache::Shared().max_threads(),
                 " calls are in flight, its limit; retry in a second"))),
             nullptr, ListFilter());
  }
  return reactor;
}

grpc::ServerUnaryReactor* WorkerService::ListMetrics(
    grpc::CallbackServerContext* context, const v1::ListMetricsRequest* request,
    v1::ListMetricsResponse* response) {
  return Serve(context, *request, response,
               &v1::EngineRequest::mutable_list_metrics,
               &v1::EngineResponse::mutable_list_metrics,
               v1::EngineResponse::kListMetrics);
}

grpc::ServerUnaryReactor* WorkerService::ListDimensions(
    grpc::CallbackServerContext* context,
    const v1::ListDimensionsRequest* request,
    v1::ListDimensionsResponse* response) {
  return Serve(context, *request, response,
               &v1::EngineRequest::mutable_list_dimensions,
               &v1::EngineResponse::mutable_list_dimensions,
               v1::EngineResponse::kListDimensions);
}

grpc::ServerUnaryReactor* WorkerService::ListEntities(
    grpc::CallbackServerContext* context,
    const v1::ListEntitiesRequest* request,
    v1::ListEntitiesResponse* response) {
  return Serve(context, *request, response,
               &v1::EngineRequest::mutable_list_entities,
               &v1::EngineResponse::mutable_list_entities,
               v1::EngineResponse::kListEntities);
}

grpc::ServerUnaryReactor* WorkerService::ListDimensionValues(
    grpc::CallbackServerContext* context,
    const v1::ListDimensionValuesRequest* request,
    v1::ListDimensionValuesResponse* response) {
  return Serve(context, *request, response,
               &v1::EngineRequest::mutable_list_dimension_values,
               &v1::EngineResponse::mutable_list_dimension_values,
               v1::EngineResponse::kListDimensionValues);
}

grpc::ServerUnaryReactor* WorkerService::ListSavedQueries(
    grpc::CallbackServerContext* context,
    const v1::ListSavedQueriesRequest* request,
    v1::ListSavedQueriesResponse* response) {
  return Serve(context, *request, response,
               &v1::EngineRequest::mutable_list_saved_queries,
               &v1::EngineResponse::mutable_list_saved_queries,
               v1::EngineResponse::kListSavedQueries);
}

grpc::ServerUnaryReactor* WorkerService::ListSemanticModels(
    grpc::CallbackServerContext* context,
    const v1::ListSemanticModelsRequest* request,
    v1::ListSemanticModelsResponse* response) {
  return Serve(context, *request, response,
               &v1::EngineRequest::mutable_list_semantic_models,
               &v1::EngineResponse::mutable_list_semantic_models,
               v1::EngineResponse::kListSemanticModels);
}

grpc::ServerUnaryReactor* WorkerService::ValidateConfigs(
    grpc::CallbackServerContext* context,
    const v1::ValidateConfigsRequest* request,
    v1::ValidateConfigsResponse* response) {
  return Serve(context, *request, response,
               &v1::EngineRequest::mutable_validate_configs,
               &v1::EngineResponse::mutable_validate_configs,
               v1::EngineResponse::kValidateConfigs);
}

grpc::ServerUnaryReactor* WorkerService::HealthChecks(
    grpc::CallbackServerContext* context,
    const v1::HealthChecksRequest* request,
    v1::HealthChecksResponse* response) {
  return Serve(context, *request, response,
               &v1::EngineRequest::mutable_health_checks,
               &v1::EngineResponse::mutable_health_checks,
               v1::EngineResponse::kHealthChecks);
}

grpc::ServerUnaryReactor* WorkerService::Query(
    grpc::CallbackServerContext* context, const v1::QueryRequest* request,
    v1::QueryResponse* response) {
  // The engine always gets an explicit limit (Canonicalize sets it).
  return Serve(context, *request, response, &v1::EngineRequest::mutable_query,
               &v1::EngineResponse::mutable_query, v1::EngineResponse::kQuery,
               &EnforceCaps);
}

grpc::ServerWriteReactor<v1::ManifestState>* WorkerService::WatchManifest(
    grpc::CallbackServerContext* context,
    const v1::WatchManifestRequest* request) {
  (void)context;
  (void)request;
  return manifests_.Watch();
}

void WorkerService::PublishManifest(bool serving) {
  engine::Engine* engine = engine_.load();
  if (engine == nullptr) {
    manifests_.Publish("");
    return;
  }
  manifests_.Publish(serving ? engine->ManifestSha256() : "",
                     ForCaller(engine->StartFailure()));
}

}  // namespace mfgate::service
