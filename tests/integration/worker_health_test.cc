// The worker's two health answers, as kubelet's gRPC probes ask for them on
// the plaintext health port: "liveness" (the worker serves) and "" (its
// engine answers calls), through a warehouse outage and its end. The real
// worker and engine on the demo project (MFGATE_DEMO_PROJECT), its DuckDB
// file moved away and back.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/subprocess.h"
#include "common/wait_serving.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/integration/worker_process.h"

namespace mfgate::testing {
namespace {

using HealthStatus = grpc::health::v1::HealthCheckResponse;

// The health of `service` as a probe sees it, or UNKNOWN when unanswered.
HealthStatus::ServingStatus Check(grpc::health::v1::Health::Stub& health,
                                  const std::string& service) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthStatus response;
  if (!health.Check(&context, request, &response).ok()) {
    return HealthStatus::UNKNOWN;
  }
  return response.status();
}

// The worker's mfgate_engine_restarts_total, or -1 when it cannot be read.
int64_t EngineRestarts(int metrics_port) {
  httplib::Client client("127.0.0.1", metrics_port);
  auto response = client.Get("/metrics");
  if (!response || response->status != 200) return -1;
  const std::string name = "\nmfgate_engine_restarts_total ";
  size_t at = response->body.find(name);
  if (at == std::string::npos) return -1;
  int64_t value = -1;
  std::string text = response->body.substr(at + name.size());
  (void)absl::SimpleAtoi(text.substr(0, text.find('\n')), &value);
  return value;
}

TEST(WorkerHealthTest, LivenessHoldsThroughAWarehouseOutage) {
  ASSERT_FALSE(DemoProject().empty())
      << "MFGATE_DEMO_PROJECT must name the demo project (make test sets it)";
  std::string dir = "/tmp/mfgate-health-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  // The demo's profile, but its warehouse file is not there: an outage.
  const std::string warehouse = dir + "/mf_tutorial.duckdb";
  std::ofstream(dir + "/profiles.yml")
      << "mf_tutorial:\n  target: dev\n  outputs:\n    dev:\n"
      << "      type: duckdb\n      path: '" << warehouse << "'\n";
  const int health_port = FreePort(), metrics_port = FreePort();
  SpawnOptions spawn;
  spawn.argv = {"worker/mfgate-worker",
                "--listen",
                "unix:" + dir + "/w.sock",
                "--project-dir",
                DemoProject(),
                "--profiles-dir",
                dir,
                "--tmp-dir",
                dir + "/scratch",
                "--health-listen",
                absl::StrCat("127.0.0.1:", health_port),
                "--metrics-listen",
                absl::StrCat("127.0.0.1:", metrics_port)};
  if (geteuid() == 0) spawn.argv.insert(spawn.argv.end(), {"--user", "root"});
  spawn.env = CurrentEnvironment();
  spawn.fds = {{1, 2}, {2, 2}};
  auto worker = Subprocess::Spawn(spawn);
  ASSERT_TRUE(worker.ok()) << worker.status();
  std::shared_ptr<Subprocess> process = std::move(*worker);

  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", health_port),
                                     grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  ASSERT_TRUE(WaitUntilServing(channel, absl::Now() + absl::Seconds(60),
                               WhenExited(process), "liveness")
                  .ok());
  // The engine failed to start and was started again: still out.
  absl::Time deadline = absl::Now() + absl::Minutes(3);
  while (EngineRestarts(metrics_port) < 1 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_GE(EngineRestarts(metrics_port), 1);
  EXPECT_EQ(Check(*health, "liveness"), HealthStatus::SERVING);
  EXPECT_EQ(Check(*health, ""), HealthStatus::NOT_SERVING);
  EXPECT_FALSE(process->TryWait().has_value()) << "the worker exited";

  // The warehouse is back: the next engine start serves, and readiness says
  // so.
  std::filesystem::copy_file(DemoProject() + "/mf_tutorial.duckdb",
                             warehouse + ".new");
  std::filesystem::rename(warehouse + ".new", warehouse);
  EXPECT_TRUE(WaitUntilServing(channel, absl::Now() + absl::Minutes(3),
                               WhenExited(process))
                  .ok());
  EXPECT_EQ(Check(*health, "liveness"), HealthStatus::SERVING);

  process->Terminate(absl::Seconds(10));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mfgate::testing
