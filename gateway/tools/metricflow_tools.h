// MetricFlowTools: the ToolProvider that forwards each tool call to one
// tenant's worker over gRPC.
//
// A call walks: catalogue lookup (a tool the tenant turned off is unknown,
// in tools/list and tools/call alike) -> argument check (args.h) -> one
// unary RPC with a deadline, waiting for the worker to be ready within it,
// and cancelled through the call's CancellationToken -> result (results.h)
// fitted to the response budget (budget.h); metadata results are kept and
// revalidated by manifest hash (kept_answers.h), or served with no call
// while the worker's manifest stream confirms them (manifest_watch.h); a
// query's result that takes more than one page is kept for the pages its
// cursors name (query_pages.h); a
// query's `limit` (its schema and its check) is bounded by the smaller of
// the tenant's max_rows and the worker's cap that stream reports. A
// refused call is answered with the argument named as the caller wrote it
// and an example of the call corrected (corrections.h). Safe from any
// thread.
#ifndef MFGATE_GATEWAY_TOOLS_METRICFLOW_TOOLS_H_
#define MFGATE_GATEWAY_TOOLS_METRICFLOW_TOOLS_H_

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gateway/mcp/tool_provider.h"
#include "gateway/tools/args.h"
#include "gateway/tools/budget.h"
#include "gateway/tools/catalogue.h"
#include "gateway/tools/corrections.h"
#include "gateway/tools/kept_answers.h"
#include "gateway/tools/manifest_watch.h"
#include "gateway/tools/query_pages.h"
#include "mfgate/v1/worker.grpc.pb.h"

namespace mfgate::tools {

struct MetricFlowToolsOptions {
  // Deadlines of queries (and validation) and of the listing tools.
  absl::Duration call_timeout = absl::Seconds(120);
  absl::Duration list_timeout = absl::Seconds(60);
  // When set, called before each RPC: OK when the worker can take a call,
  // else the error the call fails with at once (a spawned worker that is
  // down: upstream/worker_pool.h's AwaitWorker).
  std::function<absl::Status(absl::Time deadline)> await_worker;
  // Tools not served (their catalogue names).
  std::set<std::string> disabled;
  // The namings tools/list shows each tool under (catalogue.h), each once.
  std::vector<Naming> naming = {Naming::kMfgate};
  // The response budget of a call that sets none, and the most a call may
  // set.
  long long default_budget_chars = kDefaultResponseChars;
  long long max_budget_chars = 100000;
  // The most rows a query may ask for (the tenant's); lowered to the
  // worker's own cap once its manifest stream says it (MaxRows).
  long long max_rows = 10000;
  // Query results kept between pages (query_pages.h): the most bytes in
  // all, and how long each is kept.
  size_t kept_pages_bytes = 64 << 20;
  absl::Duration kept_pages_age = absl::Minutes(10);
  // When set, called when the worker's engine serves a new manifest
  // (ManifestWatch::OnChange).
  std::function<void()> on_manifest_change;
};

class MetricFlowTools final : public mcp::ToolProvider {
 public:
  MetricFlowTools(std::shared_ptr<v1::Worker::StubInterface> worker,
                  MetricFlowToolsOptions options);

  nlohmann::json ListTools() const override;
  bool HasTool(const std::string& name) const override;
  // Every MetricFlow tool is quiet (it reports progress only); the metadata
  // tools are also brief (list_timeout; queries may run for minutes).
  bool BriefAndQuiet(const std::string& name) const override;
  // `query` (and its aliases): it may run for minutes.
  bool SupportsTasks(const std::string& name) const override;
  mcp::ToolResult CallTool(const std::string& name,
                           const nlohmann::json& arguments,
                           mcp::ToolCallContext& context) override;

  // Why the worker's engine cannot start, as the worker says; empty when
  // it has said nothing of the kind.
  std::string EngineError() const { return manifest_watch_.EngineError(); }
  // Whether the worker's manifest stream says its engine serves (a
  // non-blocking readiness check; see ManifestWatch::Serving).
  bool WorkerServing() const { return manifest_watch_.Serving(); }

  // What one call needs once its arguments are checked.
  struct Call {
    v1::Worker::StubInterface* stub;
    const CheckedArgs* args;
    mcp::ToolCallContext* context;
    KeptAnswers* kept;  // Null but for metadata tools.
    const ManifestWatch* watch;
    const MetricFlowToolsOptions* options;
    absl::Duration list_timeout, call_timeout;
    long long budget_chars;
    size_t offset;
    std::string fingerprint;
    std::string kept_result;  // The cursor's kept result (cursor.h), if any.
    QueryPages* pages;
  };

 private:
  // The tool `name` names, unless this tenant turned it off.
  const ToolSpec* Find(const std::string& name) const;
  // The project's names, for correcting a refused call of `caller`.
  Vocabulary Names(const std::string& caller) const;
  // The largest `limit` a query may ask for now: the smaller of the
  // tenant's bound and the worker's cap, once the worker has said it.
  long long MaxRows() const;
  // The rows a query without a `limit` gets from the worker: its default
  // limit once it has said it, else kDefaultRows (the worker's own default).
  long long DefaultRows() const;

  const std::shared_ptr<v1::Worker::StubInterface> worker_;
  const MetricFlowToolsOptions options_;
  KeptAnswers kept_answers_;
  QueryPages query_pages_;
  // Last: its thread calls the worker until it is destroyed, first.
  ManifestWatch manifest_watch_;
};

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_METRICFLOW_TOOLS_H_
