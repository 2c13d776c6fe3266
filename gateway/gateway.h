// Gateway: the tenants' workers and tool providers, assembled from a
// validated configuration, shared by every transport.
//
// Create starts (or connects to) every tenant's worker without waiting for
// them; a background thread per tenant logs when its worker is ready or why
// it is not, and an IdleTrimmer gives memory back once tool calls and HTTP
// requests stop. Apply changes the tenants while the gateway serves (a
// reload): new ones are started, removed ones stopped, and the others'
// workers and providers are left as they are. A session keeps the providers
// it was given alive (mcp::Handlers::owner) until it ends. Stop ends the
// waits and the spawned workers (each spawned worker is tied to its
// supervisor's thread, upstream/worker_supervisor.h, so any thread may
// create the gateway). Create and Stop are called once; Handlers(), Ready()
// and Apply() are thread-safe.
#ifndef MFGATE_GATEWAY_GATEWAY_H_
#define MFGATE_GATEWAY_GATEWAY_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/idle_trimmer.h"
#include "common/metrics.h"
#include "gateway/config/config.h"
#include "gateway/mcp/listen.h"
#include "gateway/mcp/providers.h"
#include "gateway/observe/observed_tools.h"
#include "gateway/tools/metricflow_tools.h"
#include "gateway/tools/semantic_layer.h"
#include "gateway/upstream/worker_pool.h"

namespace mfgate {

class Gateway {
 public:
  static absl::StatusOr<std::unique_ptr<Gateway>> Create(
      const config::GatewayConfig& config, const std::string& argv0);
  ~Gateway();

  // What `tenant`'s sessions serve: its tools, and its semantic layer as
  // resources, prompts and completions; tools == nullptr for an unknown
  // tenant.
  mcp::Handlers Handlers(const std::string& tenant) const;
  // Tool calls, latencies and the like, for /metrics.
  const MetricsRegistry& metrics() const { return *metrics_; }
  // The transport keeps this equal to its open sessions (for /metrics).
  std::atomic<int64_t>* open_sessions() { return &open_sessions_; }
  // The HTTP transport counts the requests it answers here: memory is
  // given back once both they and tool calls stop.
  std::atomic<uint64_t>* http_requests() { return &http_requests_; }
  // Whether every tenant's worker serves, from what the gateway knows
  // without asking (/ready answers at once): its manifest stream's word
  // (within 15 s), its supervisor's, its channel's. `report` (may be null)
  // gets {tenant: {"state", "cause"}} for `tenant` alone (a caller sees no
  // other tenant's): "serving", "starting", "engine failed" (the worker's
  // engine cannot start), "down" (a spawned worker exited and waits to
  // start again) or "unreachable" (its channel cannot connect), with the
  // cause (redacted) when not serving.
  bool Ready(const std::string& tenant, nlohmann::json* report) const;

  // Serves the tenants of `next` from now on: those not in the current
  // configuration are started, those no longer in it stopped, those whose
  // worker or settings changed replaced (their names are returned in
  // `*replaced`: their sessions must end); the others are untouched. Only
  // the tenants of `next` are read. An error (e.g. a worker binary not
  // found) leaves the tenants applied before it.
  absl::Status Apply(const config::GatewayConfig& next,
                     std::vector<std::string>* replaced);
  void Stop();
  // Tool calls finished, over all tenants.
  uint64_t ToolCalls() const;

 private:
  // One tenant's providers, shared with the sessions that use them.
  struct Tenant {
    config::TenantConfig config;
    // Before the tools, whose watch publishes to it. A new manifest changes the
    // semantic layer's resources (their list and contents); tools and prompts
    // do not follow the manifest.
    mcp::ChangeFeed changes{
        mcp::Changes{.resources = true, .resource_contents = true}};
    std::unique_ptr<tools::MetricFlowTools> tools;
    std::unique_ptr<observe::ObservedTools> observed;
    std::unique_ptr<tools::SemanticLayer> semantic_layer;
  };
  // A thread that logs when a tenant's worker is ready.
  struct Reporter {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  Gateway() = default;
  absl::Status AddTenant(const config::TenantConfig& tenant);
  std::map<std::string, std::shared_ptr<Tenant>> Tenants() const;

  config::GatewayConfig config_;  // Timeouts, read only after Create.
  std::unique_ptr<upstream::WorkerPool> pool_;
  std::unique_ptr<MetricsRegistry> metrics_;
  std::atomic<int64_t> open_sessions_{0};
  std::atomic<uint64_t> http_requests_{0};
  // Calls of tenants no longer served (the trimmer watches the sum).
  std::atomic<uint64_t> past_calls_{0};

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Tenant>> tenants_ ABSL_GUARDED_BY(mu_);
  std::vector<Reporter> reporters_ ABSL_GUARDED_BY(mu_);
  // Serializes Apply.
  absl::Mutex apply_mu_;
  std::unique_ptr<IdleTrimmer> trimmer_;  // Watches the tenants' calls.
};

}  // namespace mfgate

#endif  // MFGATE_GATEWAY_GATEWAY_H_
