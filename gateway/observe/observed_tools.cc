#include "gateway/observe/observed_tools.h"

#include "absl/time/clock.h"
#include "common/log.h"

namespace mfgate::observe {

void DefineToolMetrics(MetricsRegistry* registry) {
  registry->DefineCounter("mfgate_tool_calls_total",
                          "MCP tool calls, by tenant, tool and outcome.",
                          {"tenant", "tool", "outcome"});
  registry->DefineHistogram("mfgate_tool_call_seconds",
                            "Duration of MCP tool calls.", {"tenant", "tool"},
                            LatencyBuckets());
}

mcp::ToolResult ObservedTools::CallTool(const std::string& name,
                                        const nlohmann::json& arguments,
                                        mcp::ToolCallContext& context) {
  const absl::Time start = absl::Now();
  mcp::ToolResult result = inner_->CallTool(name, arguments, context);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  // A cancelled call ends with an error result too: cancelled comes first.
  const bool cancelled =
      context.cancellation != nullptr && context.cancellation->cancelled();
  const std::string outcome =
      cancelled ? "cancelled" : (result.is_error() ? "error" : "ok");
  calls_.fetch_add(1, std::memory_order_relaxed);
  registry_->Increment("mfgate_tool_calls_total", {tenant_, name, outcome});
  registry_->Observe("mfgate_tool_call_seconds", {tenant_, name}, seconds);

  nlohmann::json audit = {{"tenant", tenant_},
                          {"tool", name},
                          {"duration_ms", static_cast<int64_t>(seconds * 1000)},
                          {"outcome", outcome}};
  if (arguments.is_object() && arguments.contains("metrics") &&
      arguments["metrics"].is_array()) {
    nlohmann::json metrics = nlohmann::json::array();
    for (const auto& metric : arguments["metrics"]) {
      if (metric.is_string()) metrics.push_back(metric);
    }
    audit["metrics"] = metrics;
  }
  // A serialized result says its rows, if it holds any.
  if (result.rows() >= 0) audit["rows"] = result.rows();
  if (const nlohmann::json* value = result.value();
      value != nullptr && value->contains("structuredContent") &&
      (*value)["structuredContent"].is_object() &&
      (*value)["structuredContent"].contains("rows") &&
      (*value)["structuredContent"]["rows"].is_array()) {
    audit["rows"] = (*value)["structuredContent"]["rows"].size();
  }
  LogEvent(LogLevel::kInfo, "tool_call", audit);
  return result;
}

}  // namespace mfgate::observe
