#include "gateway/gateway.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/redact.h"

namespace mfgate {

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Create(
    const config::GatewayConfig& config, const std::string& argv0) {
  auto gateway = std::unique_ptr<Gateway>(new Gateway());
  auto pool = upstream::WorkerPool::Create(config, argv0);
  if (!pool.ok()) return pool.status();
  gateway->pool_ = std::move(*pool);
  gateway->metrics_ = std::make_unique<MetricsRegistry>();
  observe::DefineToolMetrics(gateway->metrics_.get());
  gateway->metrics_->DefineGauge("mfgate_open_sessions",
                                 "MCP sessions open on this gateway.",
                                 [sessions = &gateway->open_sessions_] {
                                   return static_cast<double>(sessions->load());
                                 });
  for (const config::TenantConfig& tenant : config.tenants) {
    auto stub = gateway->pool_->Stub(tenant.name);
    if (!stub.ok()) return stub.status();
    tools::MetricFlowToolsOptions options;
    options.call_timeout = config.call_timeout;
    if (tenant.query_limits.timeout > absl::ZeroDuration()) {
      options.call_timeout =
          std::min(options.call_timeout, tenant.query_limits.timeout);
    }
    options.list_timeout = config.list_timeout;
    options.await_worker = [pool = gateway->pool_.get(),
                            name = tenant.name](absl::Time deadline) {
      return pool->AwaitWorker(name, deadline);
    };
    options.disabled = tenant.tools.disabled;
    options.naming = tenant.tools.naming;
    options.default_budget_chars = tenant.response_budget.default_chars;
    options.max_budget_chars = tenant.response_budget.max_chars;
    options.max_rows = tenant.query_limits.max_rows;
    gateway->tools_[tenant.name] =
        std::make_unique<tools::MetricFlowTools>(*stub, options);
    gateway->observed_[tenant.name] = std::make_unique<observe::ObservedTools>(
        gateway->tools_[tenant.name].get(), tenant.name,
        gateway->metrics_.get());
    gateway->semantic_layers_[tenant.name] =
        std::make_unique<tools::SemanticLayer>(*stub, config.list_timeout);
    gateway->reporters_.emplace_back([pool = gateway->pool_.get(),
                                      name = tenant.name,
                                      timeout = config.worker_start_timeout] {
      absl::Status ready = pool->WaitReady(name, absl::Now() + timeout);
      if (ready.ok()) {
        LogInfo(absl::StrCat("tenant ", name, ": worker ready"));
      } else if (!absl::IsCancelled(ready)) {  // Not just a gateway stopping.
        LogError(ready.message());
      }
    });
  }
  gateway->trimmer_ = std::make_unique<IdleTrimmer>(
      [g = gateway.get()] { return g->ToolCalls() + g->http_requests_.load(); },
      absl::Seconds(1));
  return gateway;
}

Gateway::~Gateway() { Stop(); }

mcp::Handlers Gateway::Handlers(const std::string& tenant) const {
  auto tools = observed_.find(tenant);
  if (tools == observed_.end()) return mcp::Handlers{};
  tools::SemanticLayer* layer = semantic_layers_.at(tenant).get();
  return mcp::Handlers{tools->second.get(), layer, layer, layer};
}

uint64_t Gateway::ToolCalls() const {
  uint64_t calls = 0;
  for (const auto& [name, tools] : observed_) calls += tools->calls();
  return calls;
}

bool Gateway::Ready(const std::string& tenant, nlohmann::json* report) const {
  bool all = true;
  for (const auto& [name, tools] : tools_) {
    // What the gateway knows already, never a probe that waits: /ready is
    // answered on the HTTP listener's own thread.
    upstream::WorkerPool::Health health = pool_->KnownHealth(name);
    if (health.state.empty()) {
      if (tools->WorkerServing()) {
        health = {true, "serving", ""};
      } else if (std::string engine = tools->EngineError(); !engine.empty()) {
        // The worker says why its engine cannot start on its manifest stream.
        health = {false, "engine failed", engine};
      } else {
        health.state = "starting";
      }
    }
    all = all && health.serving;
    if (report == nullptr || name != tenant) continue;
    nlohmann::json state = {{"state", health.state}};
    if (!health.cause.empty()) state["cause"] = ForCaller(health.cause);
    (*report)[name] = state;
  }
  return all;
}

void Gateway::Stop() {
  trimmer_.reset();
  if (pool_ != nullptr) pool_->StopAll();  // Ends the reporters' waits too.
  for (std::thread& reporter : reporters_) {
    if (reporter.joinable()) reporter.join();
  }
}

}  // namespace mfgate
