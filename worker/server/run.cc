#include "worker/server/run.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/idle_trimmer.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/metrics_server.h"
#include "common/temp_dir.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "worker/engine/host_locator.h"
#include "worker/server/privileges.h"
#include "worker/server/staged_host.h"
#include "worker/server/unix_listener.h"

namespace mfgate::server {
namespace {

std::atomic<bool> g_stop{false};

// The grpc.health.v1 service names the worker answers (kubelet's gRPC probes
// name them): "" is readiness, SERVING while the engine answers calls (a
// warehouse outage or an engine restart makes it NOT_SERVING); "liveness" is
// SERVING while the worker process serves at all, whatever its engine and
// warehouse are doing, so that a liveness probe never restarts a worker for
// an outage a restart cannot mend.
constexpr char kReadiness[] = "";
constexpr char kLiveness[] = "liveness";

// Health of every server in `servers`: liveness as given, readiness only
// while `ready` (never while not `live`).
void SetHealth(const std::vector<grpc::Server*>& servers, bool live,
               bool ready) {
  for (grpc::Server* server : servers) {
    grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
    health->SetServingStatus(kLiveness, live);
    health->SetServingStatus(kReadiness, live && ready);
  }
}

void OnSignal(int) { g_stop = true; }

int Fail(const std::string& message) {
  LogError(message);
  return 2;
}

bool IsLoopback(const std::string& listen) {
  return absl::StartsWith(listen, "127.") ||
         absl::StartsWith(listen, "localhost:") ||
         absl::StartsWith(listen, "[::1]:");
}

// Who the worker becomes: --user, or itself when it is not root.
absl::StatusOr<UserIds> TargetUser(const std::string& user) {
  if (user.empty()) {
    if (geteuid() == 0) {
      return absl::FailedPreconditionError(
          "refusing to run as root: pass --user NAME (the worker drops to it "
          "after binding its listener)");
    }
    return UserIds{"", getuid(), getgid()};
  }
  auto ids = LookupUser(user);
  if (!ids.ok()) return ids.status();
  if (geteuid() != 0 && ids->uid != geteuid()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--user ", user, " needs the worker to start as root"));
  }
  return ids;
}

// `settings` as the engine of `user` needs them: when the worker is about to
// become another user, its engine host is located now, while the worker can
// still read where it was built, and what `user` cannot read is copied for
// it (staged_host.h) into `*copies`, which must outlive the engine. A host
// that cannot be located is left for the engine to report as it starts.
absl::Status HostForUser(const UserIds& user, engine::EngineSettings* settings,
                         std::unique_ptr<TempDir>* copies) {
  if (user.uid == geteuid()) return absl::OkStatus();
  auto located = engine::LocateEngineHost(settings->host);
  if (!located.ok()) return absl::OkStatus();
  auto staged = StageEngineHost(*located, user);
  if (!staged.ok()) return staged.status();
  settings->host = staged->host;
  *copies = std::move(staged->copies);
  return absl::OkStatus();
}

// Serves until a signal asks to stop, keeping the gRPC health of `servers`
// and the manifest `service` tells its watchers in step with the engine.
void ServeUntilStopped(const std::vector<grpc::Server*>& servers,
                       engine::Engine* engine, service::WorkerService* service,
                       std::atomic<bool>* engine_ready,
                       std::atomic<int>* engine_restarts) {
  bool serving = false;
  SetHealth(servers, /*live=*/true, /*ready=*/false);
  while (!g_stop) {
    engine_restarts->store(engine->Restarts());
    bool ready = engine->Ready();
    if (ready != serving) {
      SetHealth(servers, /*live=*/true, ready);
      serving = ready;
      engine_ready->store(ready);
      LogInfo(absl::StrCat("health: ", ready ? "SERVING" : "NOT_SERVING", " - ",
                           engine->Describe()));
    }
    service->PublishManifest(ready);
    absl::SleepFor(absl::Milliseconds(100));
  }
  LogInfo("shutting down");
  SetHealth(servers, /*live=*/false, /*ready=*/false);
}

// A plaintext server of grpc.health.v1 alone, for probes (such as kubelet's
// gRPC probe) that cannot present the gateway's client certificate.
std::unique_ptr<grpc::Server> StartHealthServer(const std::string& address) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server != nullptr) SetHealth({server.get()}, /*live=*/true, false);
  return server;
}

}  // namespace

int RunWorker(const WorkerOptions& options) {
  // From the start: a SIGTERM while the worker binds or prepares its engine
  // also ends in the orderly shutdown below, which removes what the worker
  // made (its socket, the engine's scratch directory). The handler only sets
  // a flag.
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  if (options.listen.empty()) {
    return Fail("--listen is required (unix:PATH or HOST:PORT)");
  }
  auto user = TargetUser(options.user);
  if (!user.ok()) return Fail(std::string(user.status().message()));
  engine::EngineSettings engine_settings = options.engine;
  std::unique_ptr<TempDir> host_copies;  // Outlives the engine.
  if (auto s = HostForUser(*user, &engine_settings, &host_copies); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  if (!options.check_confinement.empty()) {
    if (!options.user.empty()) {
      if (auto s = DropPrivileges(*user); !s.ok()) {
        return Fail(std::string(s.message()));
      }
    }
    auto report =
        engine::CheckConfinement(engine_settings, options.check_confinement);
    if (!report.ok()) return Fail(std::string(report.status().message()));
    std::fputs(report->c_str(), stdout);
    return 0;
  }
  const uid_t started_as = getuid();
  const bool unix_socket = absl::StartsWith(options.listen, "unix:");

  // 1. The listener, while the worker may still be root.
  std::unique_ptr<UnixListener> unix_listener;
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (unix_socket) {
    auto bound =
        UnixListener::Bind(options.listen.substr(5), user->uid, user->gid);
    if (!bound.ok()) return Fail(std::string(bound.status().message()));
    unix_listener = std::move(*bound);
  } else if (!options.tls.cert.empty() || !options.tls.ca.empty()) {
    auto tls = MutualTlsCredentials(options.tls);
    if (!tls.ok()) return Fail(std::string(tls.status().message()));
    credentials = *tls;
  } else if (!IsLoopback(options.listen) && !options.allow_insecure_tcp) {
    return Fail(absl::StrCat(
        "refusing plaintext gRPC on ", options.listen,
        ": pass --tls-cert, --tls-key and --tls-ca (mutual TLS), listen on "
        "loopback, or --allow-insecure-tcp"));
  }
  service::WorkerService service(nullptr, options.service);
  // Declared before the metrics server, so that it outlives every scrape.
  std::atomic<bool> engine_ready{false};
  std::atomic<int> engine_restarts{0};
  MetricsRegistry metrics;
  service.ExportMetrics(&metrics);
  metrics.DefineGauge(
      "mfgate_engine_ready",
      "1 while the engine serves requests, 0 while it (re)starts.",
      [&engine_ready] { return engine_ready.load() ? 1.0 : 0.0; });
  metrics.DefineCounterReader(
      "mfgate_engine_restarts_total",
      "Times the engine process was started again after its first start.",
      [&engine_restarts] { return engine_restarts.load(); });
  // A large answer leaves its memory with the allocator; once calls stop it
  // goes back to the system.
  IdleTrimmer trimmer([&service] { return service.served(); },
                      absl::Seconds(1));
  MetricsServer metrics_server;
  if (!options.metrics_listen.empty()) {
    if (auto s = metrics_server.Start(options.metrics_listen, &metrics);
        !s.ok()) {
      return Fail(std::string(s.message()));
    }
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  if (!unix_socket) builder.AddListeningPort(options.listen, credentials);
  builder.RegisterService(&service);
  builder.SetMaxSendMessageSize(64 << 20);
  // The gateway pings every 20 s on its manifest watch's stream
  // (gateway/upstream/worker_pool.cc); gRPC's default would refuse pings
  // more often than every 5 minutes and drop the connection.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  // A gateway connection is asked to go away (GOAWAY; its open calls and
  // streams finish) after this long, so that gateways resolve the worker's
  // Service again and spread their calls over replicas added since.
  if (options.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(
        GRPC_ARG_MAX_CONNECTION_AGE_MS,
        static_cast<int>(std::min<int64_t>(
            absl::ToInt64Milliseconds(options.max_connection_age),
            std::numeric_limits<int>::max())));
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    return Fail(absl::StrCat("cannot listen on ", options.listen));
  }
  // Not ready until the engine is (gRPC's default is SERVING).
  SetHealth({server.get()}, /*live=*/true, /*ready=*/false);
  std::vector<grpc::Server*> health_servers = {server.get()};
  std::unique_ptr<grpc::Server> health_server;
  if (!options.health_listen.empty()) {
    health_server = StartHealthServer(options.health_listen);
    if (health_server == nullptr) {
      return Fail(absl::StrCat("cannot listen on ", options.health_listen));
    }
    health_servers.push_back(health_server.get());
  }

  // 2. Privileges.
  if (!options.user.empty()) {
    if (auto s = DropPrivileges(*user); !s.ok()) {
      return Fail(std::string(s.message()));
    }
    LogInfo(absl::StrCat("running as ", user->name, " (uid ", user->uid,
                         ", gid ", user->gid, ")"));
    if (user->uid == 0) {
      LogWarning(
          "--user root: the worker keeps root; its engine still runs with "
          "no capabilities, under Landlock and seccomp");
    }
  }
  if (unix_socket) {
    std::set<uid_t> allowed(options.peer_uids.begin(), options.peer_uids.end());
    allowed.insert(started_as);
    allowed.insert(user->uid);
    unix_listener->Serve(server.get(), std::move(allowed));
  }

  // 3. The engine, as the final user.
  // The listener stops first: it hands connections to `server`, which must
  // outlive it (a connection added to a destroyed server crashed the worker).
  auto stop_serving = [&](std::chrono::seconds grace) {
    if (unix_listener != nullptr) unix_listener->Stop();
    service.EndWatches();  // Open streams would hold up the shutdown.
    const auto now = std::chrono::system_clock::now();
    if (health_server != nullptr) health_server->Shutdown(now);
    server->Shutdown(now + grace);
  };
  auto engine = engine::CreateEngine(engine_settings);
  if (!engine.ok()) {
    stop_serving(std::chrono::seconds(0));
    return Fail(std::string(engine.status().message()));
  }
  service.AttachEngine(engine->get());
  LogInfo(absl::StrCat("serving ", options.engine.project_dir, " on ",
                       options.listen, " with the ", options.engine.kind,
                       " engine"));

  // 4. Serve.
  ServeUntilStopped(health_servers, engine->get(), &service, &engine_ready,
                    &engine_restarts);
  stop_serving(std::chrono::seconds(5));
  engine->reset();
  return 0;
}

}  // namespace mfgate::server
