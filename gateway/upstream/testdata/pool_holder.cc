// Holds a WorkerPool with one spawned fake worker, prints the worker's pid
// on stdout and waits to be killed: the stand-in gateway of the no-orphan
// test (a fresh process, since gRPC does not survive fork).
// Usage: pool_holder WORKER_BINARY
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gateway/upstream/worker_pool.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  mfgate::config::GatewayConfig config;
  mfgate::config::TenantConfig tenant;
  tenant.name = "t";
  tenant.spawn = mfgate::config::SpawnSpec{"/tmp", "/tmp", "", "serve", "",
                                           "",     "",     {}, {},      {}};
  config.tenants.push_back(tenant);
  config.worker_binary = argv[1];
  auto pool = mfgate::upstream::WorkerPool::Create(config, argv[0]);
  if (!pool.ok() ||
      !(*pool)->WaitReady("t", absl::Now() + absl::Seconds(20)).ok())
    return 1;
  // The worker is the child of its supervisor's thread.
  long worker = 0;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream children(task.path() / "children");
    if (children >> worker) break;
  }
  std::printf("%ld\n", worker);
  std::fflush(stdout);
  pause();
  return 0;
}
