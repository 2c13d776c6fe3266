#include "gateway/tools/metricflow_tools.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/manifest_headers.h"
#include "gateway/tools/args.h"
#include "gateway/tools/catalogue.h"
#include "gateway/tools/results.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using Stub = v1::Worker::StubInterface;

// Whether a failed RPC may be sent again: the connection failed before the
// worker answered (UNAVAILABLE without the worker's own ErrorDetail, which
// it attaches to every error it sends). The channel has no gRPC retry
// filter (worker_pool.cc), so this stands in for its transparent retry; every
// worker RPC only reads.
bool DroppedByTheConnection(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE &&
         status.error_details().empty();
}

// One RPC: deadline, wait-for-ready (a worker may still be loading), one
// more attempt, without waiting, when the connection dropped it, and
// cancellation through the MCP request's token. `kept` is set for metadata
// tools (ToolSpec::metadata): their rendered result is kept, served with no
// call while `watch` confirms its manifest, else revalidated with the worker
// by its manifest hash (kept_answers.h).
template <typename Request, typename Response>
mcp::ToolResult Invoke(grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                    const Request&, Response*),
                       Stub* stub, const Request& request,
                       absl::Duration timeout, mcp::ToolCallContext& call,
                       json (*render)(const Response&), KeptAnswers* kept,
                       const ManifestWatch& watch,
                       const MetricFlowToolsOptions& options) {
  std::string key;
  std::shared_ptr<const KeptAnswers::Answer> answer;
  if (kept != nullptr) {
    key = absl::StrCat(Request::descriptor()->full_name(), ":",
                       request.SerializeAsString());
    answer = kept->Find(key);
    if (answer != nullptr && watch.Confirms(answer->manifest)) {
      return answer->result;
    }
  }
  const absl::Time deadline = absl::Now() + timeout;
  // A caller that sent a progressToken sees the call start and finish (the
  // worker may first have to load MetricFlow, or a query may run long).
  if (call.report_progress)
    call.report_progress(0, 1, "sent to the MetricFlow worker");
  // Shared with the cancel callback, which may outlive this frame.
  std::shared_ptr<grpc::ClientContext> rpc;
  Response response;
  grpc::Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {
    // A spawned worker that is down fails the call now, with its reason.
    if (options.await_worker) {
      if (absl::Status up = options.await_worker(deadline); !up.ok()) {
        if (call.report_progress) call.report_progress(1, 1, "failed");
        return ErrorResult(up);
      }
    }
    rpc = std::make_shared<grpc::ClientContext>();
    rpc->set_deadline(absl::ToChronoTime(deadline));
    // Only the first attempt waits for a worker that is not connected, and
    // only while the worker is not known to have gone away (the manifest
    // watch saw its stream end): such a worker fails its tenant's calls at
    // once, not at their deadline.
    rpc->set_wait_for_ready(attempt == 0 && !watch.WorkerLost());
    if (answer != nullptr)
      rpc->AddMetadata(kIfManifestHeader, answer->manifest);
    call.cancellation->OnCancel([rpc] { rpc->TryCancel(); });
    status = (stub->*method)(rpc.get(), request, &response);
    call.cancellation->OnCancel([] {});
    if (!DroppedByTheConnection(status) || call.cancellation->cancelled() ||
        absl::Now() >= deadline) {
      break;
    }
    response.Clear();
  }
  if (call.report_progress)
    call.report_progress(1, 1, status.ok() ? "done" : "failed");
  if (!status.ok()) return ErrorResult(FromGrpcStatus(status));
  if (kept == nullptr) return render(response);
  const auto& headers = rpc->GetServerInitialMetadata();
  const std::string manifest = HeaderValue(headers, kManifestHeader);
  if (HeaderValue(headers, kNotModifiedHeader) == "1") {
    if (answer != nullptr && answer->manifest == manifest)
      return answer->result;
    return ErrorResult(absl::InternalError(
        "the worker answered \"not modified\" to a call with no kept answer"));
  }
  json result = render(response);
  if (manifest.empty()) return result;
  return kept->Keep(key, manifest, result);
}

json RenderQuery(const v1::QueryResponse& r) { return QueryResult(r, false); }
json RenderCompiled(const v1::QueryResponse& r) { return QueryResult(r, true); }

}  // namespace

MetricFlowTools::MetricFlowTools(std::shared_ptr<Stub> worker,
                                 MetricFlowToolsOptions options)
    : worker_(std::move(worker)), options_(options), manifest_watch_(worker_) {}

json MetricFlowTools::ListTools() const {
  json tools = json::array();
  for (const ToolSpec& spec : Catalogue()) tools.push_back(ToolListing(spec));
  return tools;
}

bool MetricFlowTools::HasTool(const std::string& name) const {
  return FindTool(name) != nullptr;
}

bool MetricFlowTools::BriefAndQuiet(const std::string& name) const {
  const ToolSpec* spec = FindTool(name);
  return spec != nullptr && spec->metadata;
}

mcp::ToolResult MetricFlowTools::CallTool(const std::string& name,
                                          const json& arguments,
                                          mcp::ToolCallContext& call) {
  const ToolSpec* spec = FindTool(name);
  if (spec == nullptr)
    return ErrorResult(absl::NotFoundError("unknown tool " + name));
  absl::StatusOr<json> args = CheckArguments(*spec, arguments);
  if (!args.ok()) return ErrorResult(args.status());
  Stub* stub = worker_.get();
  KeptAnswers* kept = spec->metadata ? &kept_answers_ : nullptr;
  const ManifestWatch& watch = manifest_watch_;
  const absl::Duration list = options_.list_timeout,
                       slow = options_.call_timeout;
  const std::string& tool = spec->name;
  if (tool == "query") {
    v1::QueryRequest request = BuildQuery(*args, false);
    return Invoke(&Stub::Query, stub, request, slow, call,
                  request.compile_only() ? RenderCompiled : RenderQuery, kept,
                  watch, options_);
  }
  if (tool == "compile_sql") {
    return Invoke(&Stub::Query, stub, BuildQuery(*args, true), slow, call,
                  RenderCompiled, kept, watch, options_);
  }
  if (tool == "list_metrics") {
    return Invoke(&Stub::ListMetrics, stub, BuildListMetrics(*args), list, call,
                  ListMetricsResult, kept, watch, options_);
  }
  if (tool == "list_dimensions") {
    return Invoke(&Stub::ListDimensions, stub, BuildListDimensions(*args), list,
                  call, ListDimensionsResult, kept, watch, options_);
  }
  if (tool == "list_entities") {
    return Invoke(&Stub::ListEntities, stub, BuildListEntities(*args), list,
                  call, ListEntitiesResult, kept, watch, options_);
  }
  if (tool == "list_dimension_values") {
    return Invoke(&Stub::ListDimensionValues, stub,
                  BuildListDimensionValues(*args), slow, call,
                  ListDimensionValuesResult, kept, watch, options_);
  }
  if (tool == "list_saved_queries") {
    return Invoke(&Stub::ListSavedQueries, stub, v1::ListSavedQueriesRequest(),
                  list, call, ListSavedQueriesResult, kept, watch, options_);
  }
  if (tool == "validate_configs") {
    return Invoke(&Stub::ValidateConfigs, stub, BuildValidateConfigs(*args),
                  slow, call, ValidateConfigsResult, kept, watch, options_);
  }
  if (tool == "health_checks") {
    return Invoke(&Stub::HealthChecks, stub, v1::HealthChecksRequest(), list,
                  call, HealthChecksResult, kept, watch, options_);
  }
  return ErrorResult(
      absl::InternalError(absl::StrCat("tool ", tool, " has no handler")));
}

}  // namespace mfgate::tools
