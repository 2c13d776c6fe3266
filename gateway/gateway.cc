#include "gateway/gateway.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/redact.h"

namespace mfgate {
namespace {

// A tenant's settings but its keys: a key rotation changes no worker.
config::TenantConfig WithoutKeys(config::TenantConfig tenant) {
  tenant.api_key_sha256.clear();
  tenant.api_key_sha256_file.clear();
  return tenant;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Create(
    const config::GatewayConfig& config, const std::string& argv0) {
  auto gateway = std::unique_ptr<Gateway>(new Gateway());
  gateway->config_ = config;
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
    if (absl::Status added = gateway->AddTenant(tenant); !added.ok()) {
      return added;
    }
  }
  gateway->trimmer_ = std::make_unique<IdleTrimmer>(
      [g = gateway.get()] { return g->ToolCalls() + g->http_requests_.load(); },
      absl::Seconds(1));
  return gateway;
}

Gateway::~Gateway() { Stop(); }

absl::Status Gateway::AddTenant(const config::TenantConfig& config) {
  auto stub = pool_->Stub(config.name);
  if (!stub.ok()) return stub.status();
  auto tenant = std::make_shared<Tenant>();
  tenant->config = config;
  tools::MetricFlowToolsOptions options;
  options.call_timeout = config_.call_timeout;
  if (config.query_limits.timeout > absl::ZeroDuration()) {
    options.call_timeout =
        std::min(options.call_timeout, config.query_limits.timeout);
  }
  options.list_timeout = config_.list_timeout;
  options.await_worker = [pool = pool_.get(),
                          name = config.name](absl::Time deadline) {
    return pool->AwaitWorker(name, deadline);
  };
  options.disabled = config.tools.disabled;
  options.naming = config.tools.naming;
  options.default_budget_chars = config.response_budget.default_chars;
  options.max_budget_chars = config.response_budget.max_chars;
  options.max_rows = config.query_limits.max_rows;
  // The tenant outlives its tools, whose watch calls this.
  options.on_manifest_change = [changes = &tenant->changes] {
    changes->Publish(
        mcp::Changes{.resources = true, .resource_contents = true});
  };
  tenant->tools = std::make_unique<tools::MetricFlowTools>(*stub, options);
  tenant->observed = std::make_unique<observe::ObservedTools>(
      tenant->tools.get(), config.name, metrics_.get());
  tenant->semantic_layer =
      std::make_unique<tools::SemanticLayer>(*stub, config_.list_timeout);
  Reporter reporter;
  reporter.done = std::make_shared<std::atomic<bool>>(false);
  reporter.thread = std::thread([pool = pool_.get(), name = config.name,
                                 timeout = config_.worker_start_timeout,
                                 done = reporter.done] {
    absl::Status ready = pool->WaitReady(name, absl::Now() + timeout);
    if (ready.ok()) {
      LogInfo(absl::StrCat("tenant ", name, ": worker ready"));
    } else if (!absl::IsCancelled(ready)) {  // Not just a gateway stopping.
      LogError(ready.message());
    }
    *done = true;
  });
  std::vector<Reporter> finished;
  {
    absl::MutexLock lock(&mu_);
    tenants_[config.name] = std::move(tenant);
    // Reporters are kept until they end: at most one per tenant added
    // since their last look.
    for (auto it = reporters_.begin(); it != reporters_.end();) {
      if (*it->done) {
        finished.push_back(std::move(*it));
        it = reporters_.erase(it);
      } else {
        ++it;
      }
    }
    reporters_.push_back(std::move(reporter));
  }
  for (Reporter& r : finished) r.thread.join();
  return absl::OkStatus();
}

absl::Status Gateway::Apply(const config::GatewayConfig& next,
                            std::vector<std::string>* replaced) {
  absl::MutexLock apply(&apply_mu_);
  std::map<std::string, std::shared_ptr<Tenant>> current = Tenants();
  std::set<std::string> kept;
  for (const config::TenantConfig& tenant : next.tenants) {
    kept.insert(tenant.name);
    auto found = current.find(tenant.name);
    if (found != current.end() &&
        WithoutKeys(found->second->config) == WithoutKeys(tenant)) {
      continue;  // Unchanged, or only its keys changed.
    }
    if (found != current.end()) {
      replaced->push_back(tenant.name);
      past_calls_ += found->second->observed->calls();
    }
    LogInfo(absl::StrCat("tenant ", tenant.name,
                         found == current.end() ? ": added" : ": replaced"));
    if (absl::Status added = pool_->Add(tenant); !added.ok()) return added;
    if (absl::Status added = AddTenant(tenant); !added.ok()) return added;
  }
  for (const auto& [name, tenant] : current) {
    if (kept.count(name)) continue;
    {
      absl::MutexLock lock(&mu_);
      tenants_.erase(name);
    }
    past_calls_ += tenant->observed->calls();
    // Calls already running fail; the tenant's sessions are ended by the
    // transport.
    pool_->Remove(name);
    LogInfo(absl::StrCat("tenant ", name, ": removed"));
  }
  return absl::OkStatus();
}

std::map<std::string, std::shared_ptr<Gateway::Tenant>> Gateway::Tenants()
    const {
  absl::MutexLock lock(&mu_);
  return tenants_;
}

mcp::Handlers Gateway::Handlers(const std::string& tenant) const {
  std::shared_ptr<Tenant> found;
  {
    absl::MutexLock lock(&mu_);
    auto it = tenants_.find(tenant);
    if (it == tenants_.end()) return mcp::Handlers{};
    found = it->second;
  }
  tools::SemanticLayer* layer = found->semantic_layer.get();
  mcp::Handlers handlers{found->observed.get(), layer, layer, layer, found};
  handlers.changes = &found->changes;
  return handlers;
}

uint64_t Gateway::ToolCalls() const {
  uint64_t calls = past_calls_.load();
  for (const auto& [name, tenant] : Tenants())
    calls += tenant->observed->calls();
  return calls;
}

bool Gateway::Ready(const std::string& tenant, nlohmann::json* report) const {
  bool all = true;
  for (const auto& [name, t] : Tenants()) {
    // What the gateway knows already, never a probe that waits: /ready is
    // answered on the HTTP listener's own thread.
    upstream::WorkerPool::Health health = pool_->KnownHealth(name);
    if (health.state.empty()) {
      if (t->tools->WorkerServing()) {
        health = {true, "serving", ""};
      } else if (std::string engine = t->tools->EngineError();
                 !engine.empty()) {
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
  std::vector<Reporter> reporters;
  {
    absl::MutexLock lock(&mu_);
    reporters.swap(reporters_);
  }
  for (Reporter& reporter : reporters) {
    if (reporter.thread.joinable()) reporter.thread.join();
  }
}

}  // namespace mfgate
