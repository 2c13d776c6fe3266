// Gateway: the tenants' workers and tool providers, assembled from a
// validated configuration, shared by every transport.
//
// Create starts (or connects to) every tenant's worker without waiting for
// them; a background thread per tenant logs when its worker is ready or why
// it is not, and an IdleTrimmer gives memory back once tool calls and HTTP
// requests stop. Stop ends those waits and the spawned workers (each spawned
// worker is tied to its supervisor's thread, upstream/worker_supervisor.h,
// so any thread may create the gateway). Create and Stop are called once;
// Handlers() and Ready() are thread-safe.
#ifndef MFGATE_GATEWAY_GATEWAY_H_
#define MFGATE_GATEWAY_GATEWAY_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/idle_trimmer.h"
#include "common/metrics.h"
#include "gateway/config/config.h"
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
  void Stop();
  // Tool calls finished, over all tenants.
  uint64_t ToolCalls() const;

 private:
  Gateway() = default;

  std::unique_ptr<upstream::WorkerPool> pool_;
  std::map<std::string, std::unique_ptr<tools::MetricFlowTools>> tools_;
  std::unique_ptr<MetricsRegistry> metrics_;
  std::atomic<int64_t> open_sessions_{0};
  std::atomic<uint64_t> http_requests_{0};
  std::map<std::string, std::unique_ptr<observe::ObservedTools>> observed_;
  std::map<std::string, std::unique_ptr<tools::SemanticLayer>> semantic_layers_;
  std::vector<std::thread> reporters_;
  std::unique_ptr<IdleTrimmer> trimmer_;  // Watches observed_.
};

}  // namespace mfgate

#endif  // MFGATE_GATEWAY_GATEWAY_H_
