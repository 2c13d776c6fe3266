#include "tests/integration/worker_process.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/wait_serving.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace mfgate::testing {

std::string DemoProject() {
  const char* dir = getenv("MFGATE_DEMO_PROJECT");
  return dir != nullptr ? dir : "";
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Start(
    const std::string& project_dir, const std::vector<std::string>& extra_flags,
    absl::Duration timeout) {
  auto worker = std::unique_ptr<WorkerProcess>(new WorkerProcess());
  // TEST_TMPDIR is too long for a unix socket path.
  std::string dir = "/tmp/mfgate-it-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return absl::InternalError("mkdtemp");
  worker->dir_ = dir;
  const std::string address = absl::StrCat("unix:", dir, "/w.sock");
  SpawnOptions spawn;
  spawn.argv = {
      "worker/mfgate-worker", "--listen", address, "--project-dir", project_dir,
      "--profiles-dir",       project_dir};
  spawn.argv.insert(spawn.argv.end(), extra_flags.begin(), extra_flags.end());
  // The tests may run as root, which the worker refuses without --user.
  if (geteuid() == 0) spawn.argv.insert(spawn.argv.end(), {"--user", "root"});
  spawn.env = CurrentEnvironment();
  spawn.fds = {{1, 2}, {2, 2}};
  auto process = Subprocess::Spawn(spawn);
  if (!process.ok()) return process.status();
  worker->process_ = std::move(*process);

  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  absl::Status ready = WaitUntilServing(channel, absl::Now() + timeout,
                                        WhenExited(worker->process_));
  if (!ready.ok()) return ready;
  worker->stub_ = v1::Worker::NewStub(channel);
  return worker;
}

WorkerProcess::~WorkerProcess() {
  if (process_ != nullptr) process_->Terminate(absl::Seconds(5));
  unlink((dir_ + "/w.sock").c_str());
  rmdir(dir_.c_str());
}

}  // namespace mfgate::testing
