#include "gateway/tools/metricflow_tools.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/call_headers.h"
#include "common/field_error.h"
#include "common/grpc_status.h"
#include "common/manifest_headers.h"
#include "gateway/tools/cursor.h"
#include "gateway/tools/dates.h"
#include "gateway/tools/query_pages.h"
#include "gateway/tools/results.h"
#include "gateway/tools/worker_call.h"

namespace mfgate::tools {
namespace {

using json = nlohmann::json;
using Stub = v1::Worker::StubInterface;
using Call = MetricFlowTools::Call;

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
// cancellation through the MCP request's token. `if_manifest` asks a worker
// to answer "not modified" to a metadata call (kept_answers.h); `*rpc` is
// the context of the attempt that answered (its headers).
template <typename Request, typename Response>
grpc::Status Rpc(grpc::Status (Stub::*method)(grpc::ClientContext*,
                                              const Request&, Response*),
                 const Call& call, const Request& request,
                 absl::Duration timeout, const std::string& if_manifest,
                 Response* response,
                 std::shared_ptr<grpc::ClientContext>* rpc) {
  const absl::Time deadline = absl::Now() + timeout;
  mcp::ToolCallContext& context = *call.context;
  // A caller that sent a progressToken sees the call start and finish (the
  // worker may first have to load MetricFlow, or a query may run long).
  if (context.report_progress)
    context.report_progress(0, 1, "sent to the MetricFlow worker");
  grpc::Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {
    // A spawned worker that is down fails the call now, with its reason.
    if (call.options->await_worker) {
      if (absl::Status up = call.options->await_worker(deadline); !up.ok()) {
        if (context.report_progress) context.report_progress(1, 1, "failed");
        return ToGrpcStatus(up);
      }
    }
    // Shared with the cancel callback, which may outlive this frame.
    *rpc = std::make_shared<grpc::ClientContext>();
    grpc::ClientContext& attempt_context = **rpc;
    attempt_context.set_deadline(absl::ToChronoTime(deadline));
    // Only the first attempt waits for a worker that is not connected, and
    // only while the worker is not known to have gone away (the manifest
    // watch saw its stream end): such a worker fails its tenant's calls at
    // once, not at their deadline.
    attempt_context.set_wait_for_ready(attempt == 0 &&
                                       !call.watch->WorkerLost());
    if (!if_manifest.empty())
      attempt_context.AddMetadata(kIfManifestHeader, if_manifest);
    // The worker shares its engines fairly among the sessions it names.
    if (!context.caller.empty())
      attempt_context.AddMetadata(kCallerHeader, context.caller);
    context.cancellation->OnCancel([rpc = *rpc] { rpc->TryCancel(); });
    status = (call.stub->*method)(&attempt_context, request, response);
    context.cancellation->OnCancel([] {});
    if (!DroppedByTheConnection(status) || context.cancellation->cancelled() ||
        absl::Now() >= deadline) {
      break;
    }
    response->Clear();
  }
  if (context.report_progress)
    context.report_progress(1, 1, status.ok() ? "done" : "failed");
  return status;
}

// A call's RPC (Rpc), its reply rendered (`content`) and fitted to the
// call's budget and page. For metadata tools (`call.kept` set) the result
// is kept, served with no call while the manifest watch confirms its
// manifest, else revalidated with the worker by its manifest hash
// (kept_answers.h).
template <typename Request, typename Response>
absl::StatusOr<mcp::ToolResult> Invoke(
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    const Call& call, const Request& request, absl::Duration timeout,
    Content (*content)(const Response&)) {
  auto render = [&](const Response& response) {
    return Fit(content(response), call.budget_chars, call.offset,
               call.fingerprint);
  };
  std::string key;
  std::shared_ptr<const KeptAnswers::Answer> answer;
  if (call.kept != nullptr) {
    key = absl::StrCat(Request::descriptor()->full_name(), ":",
                       request.SerializeAsString(), ":", call.budget_chars, ":",
                       call.offset);
    answer = call.kept->Find(key);
    if (answer != nullptr && call.watch->Confirms(answer->manifest)) {
      return answer->result;
    }
  }
  std::shared_ptr<grpc::ClientContext> rpc;
  Response response;
  const grpc::Status status =
      Rpc(method, call, request, timeout,
          answer != nullptr ? answer->manifest : "", &response, &rpc);
  if (!status.ok()) return FromGrpcStatus(status);
  if (call.kept == nullptr) return mcp::ToolResult(render(response));
  const auto& headers = rpc->GetServerInitialMetadata();
  const std::string manifest = HeaderValue(headers, kManifestHeader);
  if (HeaderValue(headers, kNotModifiedHeader) == "1") {
    if (answer != nullptr && answer->manifest == manifest)
      return answer->result;
    return absl::InternalError(
        "the worker answered \"not modified\" to a call with no kept answer");
  }
  json result = render(response);
  if (manifest.empty()) return mcp::ToolResult(std::move(result));
  return call.kept->Keep(key, manifest, result);
}

// A query that runs: its rows prepared once, fitted page by page. A result
// of more than one page is kept (query_pages.h): the pages its cursors name
// come from it, without running the query again while it is kept.
absl::StatusOr<mcp::ToolResult> PagedQuery(const Call& call,
                                           const v1::QueryRequest& request) {
  const std::string& caller = call.context->caller;
  if (!call.kept_result.empty()) {
    if (std::shared_ptr<const PreparedContent> kept =
            call.pages->Find(call.kept_result, caller, call.fingerprint)) {
      return Fit(*kept, call.budget_chars, call.offset,
                 CursorTail(call.fingerprint, call.kept_result));
    }
  }
  std::shared_ptr<grpc::ClientContext> rpc;
  auto prepared = [&]() -> absl::StatusOr<std::shared_ptr<PreparedContent>> {
    v1::QueryResponse response;  // Freed once its rows are prepared.
    const grpc::Status status = Rpc(&Stub::Query, call, request,
                                    call.call_timeout, "", &response, &rpc);
    if (!status.ok()) return FromGrpcStatus(status);
    return std::make_shared<PreparedContent>(QueryContent(response, false));
  }();
  if (!prepared.ok()) return prepared.status();
  const std::string id = QueryPages::NewId();
  size_t shown = 0;
  mcp::ToolResult page = Fit(**prepared, call.budget_chars, call.offset,
                             CursorTail(call.fingerprint, id), &shown);
  if (call.offset + shown < (*prepared)->size()) {
    call.pages->Keep(id, caller, call.fingerprint, *std::move(prepared));
  }
  return page;
}

Content QuerySql(const v1::QueryResponse& r) { return QueryContent(r, true); }

// Each tool's RPC, by the tool's catalogue name.
struct Handler {
  const char* tool;
  absl::StatusOr<mcp::ToolResult> (*run)(const Call& call);
};

const json& Values(const Call& call) { return call.args->values; }

constexpr Handler kHandlers[] = {
    {"query",
     [](const Call& c) {
       v1::QueryRequest request = BuildQuery(Values(c), false);
       if (!request.compile_only()) return PagedQuery(c, request);
       return Invoke(&Stub::Query, c, request, c.call_timeout, QuerySql);
     }},
    {"compile_sql",
     [](const Call& c) {
       return Invoke(&Stub::Query, c, BuildQuery(Values(c), true),
                     c.call_timeout, QuerySql);
     }},
    {"list_metrics",
     [](const Call& c) {
       return Invoke(&Stub::ListMetrics, c, BuildListMetrics(Values(c)),
                     c.list_timeout, ListMetricsContent);
     }},
    {"list_dimensions",
     [](const Call& c) {
       return Invoke(&Stub::ListDimensions, c, BuildListDimensions(Values(c)),
                     c.list_timeout, ListDimensionsContent);
     }},
    {"list_entities",
     [](const Call& c) {
       return Invoke(&Stub::ListEntities, c, BuildListEntities(Values(c)),
                     c.list_timeout, ListEntitiesContent);
     }},
    {"list_dimension_values",
     [](const Call& c) {
       return Invoke(&Stub::ListDimensionValues, c,
                     BuildListDimensionValues(Values(c)), c.call_timeout,
                     ListDimensionValuesContent);
     }},
    {"list_saved_queries",
     [](const Call& c) {
       return Invoke(&Stub::ListSavedQueries, c,
                     BuildListSavedQueries(Values(c)), c.list_timeout,
                     ListSavedQueriesContent);
     }},
    {"validate_configs",
     [](const Call& c) {
       return Invoke(&Stub::ValidateConfigs, c, BuildValidateConfigs(Values(c)),
                     c.call_timeout, ValidateConfigsContent);
     }},
    {"health_checks",
     [](const Call& c) {
       return Invoke(&Stub::HealthChecks, c, v1::HealthChecksRequest(),
                     c.list_timeout, HealthChecksContent);
     }},
};

// A call's arguments as its caller gave them, for its cursors' fingerprint:
// a row bound the gateway filled in (the worker's default limit, which the
// worker may say only after a first page) leaves no mark.
json AsCalled(const ToolSpec& spec, const CheckedArgs& args) {
  json named = args.values;
  for (const ArgSpec& arg : spec.args) {
    if (arg.tenant_bound == ArgSpec::TenantBound::kRows &&
        !args.written.count(arg.name)) {
      named.erase(arg.name);
    }
  }
  return named;
}

}  // namespace

MetricFlowTools::MetricFlowTools(std::shared_ptr<Stub> worker,
                                 MetricFlowToolsOptions options)
    : worker_(std::move(worker)),
      options_(std::move(options)),
      query_pages_(options_.kept_pages_bytes, options_.kept_pages_age),
      manifest_watch_(worker_, absl::Seconds(15), absl::Seconds(1),
                      options_.on_manifest_change) {}

const ToolSpec* MetricFlowTools::Find(const std::string& name) const {
  const ToolSpec* spec = FindTool(name);
  if (spec == nullptr || options_.disabled.count(spec->name)) return nullptr;
  return spec;
}

json MetricFlowTools::ListTools() const {
  ListingOptions listing;
  listing.max_limit = MaxRows();
  listing.default_limit = DefaultRows();
  listing.max_response_chars = options_.max_budget_chars;
  listing.default_response_chars = options_.default_budget_chars;
  json tools = json::array();
  std::set<std::string> listed;
  for (const ToolSpec& spec : Catalogue()) {
    if (options_.disabled.count(spec.name)) continue;
    for (Naming naming : options_.naming) {
      if (!listed.insert(NameIn(spec, naming)).second) continue;
      listing.naming = naming;
      tools.push_back(ToolListing(spec, listing));
    }
  }
  return tools;
}

long long MetricFlowTools::MaxRows() const {
  const long long worker = manifest_watch_.MaxRows();
  return worker > 0 ? std::min(options_.max_rows, worker) : options_.max_rows;
}

long long MetricFlowTools::DefaultRows() const {
  const long long worker = manifest_watch_.DefaultLimit();
  return worker > 0 ? worker : kDefaultRows;
}

bool MetricFlowTools::HasTool(const std::string& name) const {
  return Find(name) != nullptr;
}

bool MetricFlowTools::BriefAndQuiet(const std::string& name) const {
  const ToolSpec* spec = Find(name);
  return spec != nullptr && spec->metadata;
}

bool MetricFlowTools::SupportsTasks(const std::string& name) const {
  const ToolSpec* spec = Find(name);
  return spec != nullptr && spec->name == "query";
}

mcp::ToolResult MetricFlowTools::CallTool(const std::string& name,
                                          const json& arguments,
                                          mcp::ToolCallContext& context) {
  const ToolSpec* spec = Find(name);
  if (spec == nullptr)
    return ErrorResult(absl::NotFoundError("unknown tool " + name));
  ArgBounds bounds;
  bounds.max_rows = MaxRows();
  bounds.default_rows = DefaultRows();
  bounds.max_response_chars = options_.max_budget_chars;
  const absl::CivilDay today = TodayUtc();
  // A refusal: the error as the caller named things, and the call fixed.
  auto refuse = [&](const CheckedArgs& checked, const absl::Status& error) {
    const absl::Status named = AsWritten(*spec, checked, error);
    return ErrorResult(named,
                       CorrectedCall(*spec, arguments, checked, named, bounds,
                                     Names(context.caller), today),
                       name);
  };
  absl::StatusOr<CheckedArgs> args =
      CheckArguments(*spec, arguments, bounds, today);
  if (!args.ok()) return refuse(CheckedArgs(), args.status());
  Call call{
      worker_.get(),
      &*args,
      &context,
      spec->metadata ? &kept_answers_ : nullptr,
      &manifest_watch_,
      &options_,
      options_.list_timeout,
      options_.call_timeout,
      args->values.value("max_response_chars", options_.default_budget_chars),
      0,
      Fingerprint(spec->name, AsCalled(*spec, *args)),
      "",
      &query_pages_};
  if (args->values.contains("cursor")) {
    absl::StatusOr<Cursor> cursor = ParseCursor(
        args->Written("cursor"), args->values["cursor"].get<std::string>(),
        call.fingerprint);
    if (!cursor.ok()) return refuse(*args, cursor.status());
    call.offset = cursor->offset;
    call.kept_result = cursor->result;
  }
  for (const Handler& handler : kHandlers) {
    if (spec->name != handler.tool) continue;
    absl::StatusOr<mcp::ToolResult> result = handler.run(call);
    if (!result.ok()) return refuse(*args, result.status());
    return *std::move(result);
  }
  return ErrorResult(absl::InternalError(
      absl::StrCat("tool ", spec->name, " has no handler")));
}

}  // namespace mfgate::tools
