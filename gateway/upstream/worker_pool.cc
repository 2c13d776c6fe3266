#include "gateway/upstream/worker_pool.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/pem_files.h"
#include "common/subprocess.h"
#include "common/wait_serving.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace mfgate::upstream {
namespace {

// How long Spawn waits for a new worker's socket to appear.
constexpr absl::Duration kSocketWait = absl::Seconds(10);
// The user a root gateway's workers drop to when their tenant names none.
constexpr char kDefaultWorkerUser[] = "nobody";
// How often a call waiting for a spawned worker looks whether it went down.
constexpr absl::Duration kDownCheck = absl::Milliseconds(100);

// The channel to a worker: over TCP with mutual TLS when the gateway has a
// client identity, plaintext otherwise (unix sockets are checked by the
// worker's peer credentials instead).
std::shared_ptr<grpc::Channel> Connect(
    const std::string& address, const config::TenantConfig* tenant,
    const std::shared_ptr<grpc::ChannelCredentials>& tls) {
  grpc::ChannelArguments args;
  if (tenant != nullptr && !tenant->tls_server_name.empty()) {
    args.SetSslTargetNameOverride(tenant->tls_server_name);
  }
  args.SetMaxReceiveMessageSize(64 << 20);
  // Calls go round the addresses the name resolves to: a headless Service
  // of several worker replicas shares its load (gRPC's default, pick_first,
  // would send everything to the first). The workers end each connection
  // after a while (--max-connection-age-seconds), so that the name is
  // resolved again and replicas added since get their share.
  args.SetLoadBalancingPolicyName("round_robin");
  // A worker that is still starting is retried soon, not after gRPC's
  // default second-long backoff: the first call waits for it.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // gRPC's retry filter costs every call about a tenth of the gateway's CPU;
  // no call needs its retry policies, and the one retry that matters, of a
  // call a dropped connection never delivered, the tools do themselves
  // (tools/metricflow_tools.cc).
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  // The manifest watch (tools/manifest_watch.h) keeps a stream open for the
  // gateway's life: pings find a connection that died without a word (a
  // node lost, a partition), so that it is replaced rather than waited on.
  // The worker accepts pings this often (worker/server/run.cc).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  const bool over_tcp = !absl::StartsWith(address, "unix:");
  return grpc::CreateCustomChannel(
      address,
      over_tcp && tls != nullptr ? tls : grpc::InsecureChannelCredentials(),
      args);
}

}  // namespace

absl::StatusOr<std::string> WorkerPool::FindWorkerBinary(
    const std::string& configured) {
  std::vector<std::string> tried;
  std::vector<std::string> candidates;
  if (!configured.empty()) {
    candidates = {configured};
  } else {
    const std::string dir = ExecutableDir();
    candidates = {dir + "/mfgate-worker", dir + "/../worker/mfgate-worker"};
  }
  for (const std::string& candidate : candidates) {
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    tried.push_back(candidate);
  }
  return absl::NotFoundError(
      absl::StrCat("mfgate-worker not found (set --worker-binary or "
                   "MFGATE_WORKER_BINARY); tried: ",
                   absl::StrJoin(tried, ", ")));
}

absl::StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::Create(
    const config::GatewayConfig& config, const std::string& argv0) {
  (void)argv0;
  auto pool = std::unique_ptr<WorkerPool>(new WorkerPool());
  pool->configured_binary_ = config.worker_binary;
  if (config.worker_tls.enabled()) {
    auto pem = ReadPemFiles(config.worker_tls.cert, config.worker_tls.key,
                            config.worker_tls.ca);
    if (!pem.ok()) return pem.status();
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = pem->ca;
    options.pem_private_key = pem->key;
    options.pem_cert_chain = pem->cert;
    pool->tls_ = grpc::SslCredentials(options);
  }
  for (const config::TenantConfig& tenant : config.tenants) {
    if (absl::Status added = pool->Add(tenant); !added.ok()) return added;
  }
  return pool;
}

absl::Status WorkerPool::Add(const config::TenantConfig& tenant) {
  Remove(tenant.name);
  Worker worker;
  if (tenant.spawn.has_value()) {
    auto binary = FindWorkerBinary(configured_binary_);
    if (!binary.ok()) return binary.status();
    if (absl::Status s = Spawn(*binary, tenant, &worker); !s.ok()) return s;
  } else {
    worker.address = tenant.address;
  }
  worker.channel = Connect(worker.address, &tenant, tls_);
  worker.stub = v1::Worker::NewStub(worker.channel);
  absl::MutexLock lock(&mu_);
  workers_[tenant.name] = std::move(worker);
  return absl::OkStatus();
}

void WorkerPool::Remove(const std::string& tenant) {
  Worker removed;
  {
    absl::MutexLock lock(&mu_);
    auto found = workers_.find(tenant);
    if (found == workers_.end()) return;
    removed = std::move(found->second);
    workers_.erase(found);
  }
  Release(std::move(removed));
}

void WorkerPool::Release(Worker worker) {
  // Waits up to its grace for the worker to exit; then the socket's
  // directory goes.
  if (worker.supervisor != nullptr) worker.supervisor->Stop();
  worker.private_dir.reset();
}

absl::Status WorkerPool::Spawn(const std::string& binary,
                               const config::TenantConfig& tenant,
                               Worker* worker) {
  // Unix socket paths are limited to 107 bytes: keep the directory short.
  auto dir = TempDir::Create("mfgate-", "/tmp");
  if (!dir.ok()) return dir.status();
  const std::string socket = (*dir)->path() + "/worker.sock";
  worker->private_dir = std::move(*dir);
  worker->address = absl::StrCat("unix:", socket);
  const config::SpawnSpec& spec = *tenant.spawn;
  SpawnOptions spawn;
  spawn.argv = {
      binary,           "--listen",       worker->address,   "--project-dir",
      spec.project_dir, "--profiles-dir", spec.profiles_dir, "--engine",
      spec.engine};
  if (!spec.target.empty())
    spawn.argv.insert(spawn.argv.end(), {"--target", spec.target});
  if (!spec.mf_path.empty())
    spawn.argv.insert(spawn.argv.end(), {"--mf-path", spec.mf_path});
  if (!spec.tmp_dir.empty())
    spawn.argv.insert(spawn.argv.end(), {"--tmp-dir", spec.tmp_dir});
  for (const config::SpawnPoolSetting& setting : config::kSpawnPoolSettings) {
    if (!(spec.*setting.value).has_value()) continue;
    spawn.argv.insert(spawn.argv.end(),
                      {setting.flag, absl::StrCat(*(spec.*setting.value))});
  }
  std::string user = spec.user;
  if (user.empty() && geteuid() == 0) {
    // A gateway started as root has no need to hand root on: its worker
    // binds its socket as root and then drops to the unprivileged user.
    user = kDefaultWorkerUser;
    LogInfo(absl::StrCat("tenant ", tenant.name, ": its worker runs as ", user,
                         " (set tenants[].worker.spawn.user or "
                         "MFGATE_WORKER_USER to name another)"));
  }
  if (!user.empty()) spawn.argv.insert(spawn.argv.end(), {"--user", user});
  // The worker shares the gateway's stderr: one log, one format.
  if (CurrentLogFormat() == LogFormat::kJson) {
    spawn.argv.insert(spawn.argv.end(), {"--log-format", "json"});
  }
  spawn.env = CurrentEnvironment();
  LogInfo(absl::StrCat("tenant ", tenant.name, ": serving ", spec.project_dir,
                       " through a worker of its own"));
  worker->supervisor =
      std::make_shared<WorkerSupervisor>(tenant.name, std::move(spawn));
  // The worker binds its socket before it loads MetricFlow. Connecting only
  // once the socket exists spares the channel a failed first attempt and
  // gRPC's reconnect backoff after it.
  absl::Time deadline = absl::Now() + kSocketWait;
  while (access(socket.c_str(), F_OK) != 0 && absl::Now() < deadline &&
         !worker->supervisor->Down().has_value()) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<v1::Worker::StubInterface>> WorkerPool::Stub(
    const std::string& tenant) const {
  absl::MutexLock lock(&mu_);
  auto found = workers_.find(tenant);
  if (found == workers_.end()) {
    return absl::NotFoundError(absl::StrCat("no tenant named '", tenant, "'"));
  }
  return found->second.stub;
}

absl::Status WorkerPool::Find(const std::string& tenant,
                              std::shared_ptr<WorkerSupervisor>* supervisor,
                              std::shared_ptr<grpc::Channel>* channel) const {
  absl::MutexLock lock(&mu_);
  auto found = workers_.find(tenant);
  if (found == workers_.end()) {
    return absl::NotFoundError(absl::StrCat("no tenant named '", tenant, "'"));
  }
  *supervisor = found->second.supervisor;
  *channel = found->second.channel;
  return absl::OkStatus();
}

std::optional<std::string> WorkerPool::Down(const std::string& tenant) const {
  std::shared_ptr<WorkerSupervisor> supervisor;
  std::shared_ptr<grpc::Channel> channel;
  if (!Find(tenant, &supervisor, &channel).ok() || supervisor == nullptr) {
    return std::nullopt;
  }
  return supervisor->Down();
}

absl::Status WorkerPool::AwaitWorker(const std::string& tenant,
                                     absl::Time deadline) {
  std::shared_ptr<WorkerSupervisor> supervisor;
  std::shared_ptr<grpc::Channel> channel;
  if (absl::Status found = Find(tenant, &supervisor, &channel); !found.ok()) {
    return found;
  }
  if (supervisor == nullptr) return absl::OkStatus();
  // Connected: the common case costs one look at the channel.
  grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (stopping_) return absl::CancelledError("the gateway is stopping");
    if (std::optional<std::string> why = supervisor->Down()) {
      return absl::UnavailableError(*why);
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          "the worker did not accept a connection in time");
    }
    // In slices, so that a worker going down is noticed while waiting.
    channel->WaitForStateChange(
        state, absl::ToChronoTime(std::min(deadline, now + kDownCheck)));
    state = channel->GetState(/*try_to_connect=*/true);
  }
  return absl::OkStatus();
}

absl::Status WorkerPool::WaitReady(const std::string& tenant,
                                   absl::Time deadline) {
  std::shared_ptr<WorkerSupervisor> supervisor;
  std::shared_ptr<grpc::Channel> channel;
  if (absl::Status found = Find(tenant, &supervisor, &channel); !found.ok()) {
    return found;
  }
  absl::Status ready = WaitUntilServing(
      channel, deadline, [this, supervisor]() -> std::optional<std::string> {
        if (stopping_) return "the gateway is stopping";
        if (supervisor == nullptr) return std::nullopt;
        return supervisor->Down();
      });
  if (ready.ok()) return ready;
  if (stopping_) return absl::CancelledError("the gateway is stopping");
  return absl::Status(ready.code(),
                      absl::StrCat("tenant ", tenant, ": ", ready.message()));
}

WorkerPool::Health WorkerPool::KnownHealth(const std::string& tenant) const {
  std::shared_ptr<WorkerSupervisor> supervisor;
  std::shared_ptr<grpc::Channel> channel;
  if (absl::Status found = Find(tenant, &supervisor, &channel); !found.ok()) {
    return {false, "unknown", std::string(found.message())};
  }
  if (supervisor != nullptr) {
    if (std::optional<std::string> why = supervisor->Down()) {
      return {false, "down", *why};
    }
  }
  // The manifest stream keeps the channel connecting: its state is current.
  if (channel->GetState(/*try_to_connect=*/false) ==
      GRPC_CHANNEL_TRANSIENT_FAILURE) {
    return {false, "unreachable", "cannot connect to the worker"};
  }
  return {};
}

void WorkerPool::StopAll() {
  stopping_ = true;
  std::vector<std::shared_ptr<WorkerSupervisor>> supervisors;
  std::vector<std::unique_ptr<TempDir>> dirs;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [name, worker] : workers_) {
      if (worker.supervisor != nullptr) {
        supervisors.push_back(std::move(worker.supervisor));
      }
      if (worker.private_dir != nullptr) {
        dirs.push_back(std::move(worker.private_dir));
      }
    }
  }
  // Without the lock: each waits up to its grace for its worker to exit.
  for (auto& supervisor : supervisors) supervisor->Stop();
  dirs.clear();  // Removes each socket's directory.
}

WorkerPool::~WorkerPool() { StopAll(); }

}  // namespace mfgate::upstream
