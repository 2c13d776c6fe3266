// A ToolProvider that wraps a tenant's tools to record each call: one audit
// event per call in the log (tenant, tool, metrics asked for, duration, rows,
// outcome — never arguments' values beyond metric names, never row data or
// credentials) and the Prometheus counters and latency histogram by tenant
// and tool.
// Thread-safety: as thread-safe as the wrapped provider; the registry is.
#ifndef MFGATE_GATEWAY_OBSERVE_OBSERVED_TOOLS_H_
#define MFGATE_GATEWAY_OBSERVE_OBSERVED_TOOLS_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "common/metrics.h"
#include "gateway/mcp/tool_provider.h"

namespace mfgate::observe {

// Defines the families ObservedTools records into.
void DefineToolMetrics(MetricsRegistry* registry);

class ObservedTools final : public mcp::ToolProvider {
 public:
  // `inner` and `registry` are not owned and must outlive this object.
  ObservedTools(mcp::ToolProvider* inner, std::string tenant,
                MetricsRegistry* registry)
      : inner_(inner), tenant_(std::move(tenant)), registry_(registry) {}

  nlohmann::json ListTools() const override { return inner_->ListTools(); }
  bool HasTool(const std::string& name) const override {
    return inner_->HasTool(name);
  }
  bool BriefAndQuiet(const std::string& name) const override {
    return inner_->BriefAndQuiet(name);
  }
  bool SupportsTasks(const std::string& name) const override {
    return inner_->SupportsTasks(name);
  }
  bool RequiresTask(const std::string& name) const override {
    return inner_->RequiresTask(name);
  }
  mcp::ToolResult CallTool(const std::string& name,
                           const nlohmann::json& arguments,
                           mcp::ToolCallContext& context) override;

  // Calls finished so far (what the gateway's idle trimmer watches).
  uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }

 private:
  mcp::ToolProvider* const inner_;
  const std::string tenant_;
  MetricsRegistry* const registry_;
  std::atomic<uint64_t> calls_{0};
};

}  // namespace mfgate::observe

#endif  // MFGATE_GATEWAY_OBSERVE_OBSERVED_TOOLS_H_
