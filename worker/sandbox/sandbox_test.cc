// Runs a probe under mfgate-sandbox and checks, from the probe's own
// attempts, that each layer of the confinement holds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "gtest/gtest.h"

namespace mfgate {
namespace {

std::string Real(const std::string& path) {
  char* resolved = realpath(path.c_str(), nullptr);
  std::string result = resolved != nullptr ? resolved : path;
  free(resolved);
  return result;
}

// A listening TCP socket on 127.0.0.1; the kernel picks the port.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(fd_, 8);
    socklen_t size = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_;
};

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mfgate-sandbox-test-XXXXXX";
    root_ = mkdtemp(pattern);
    for (const char* dir : {"/allowed", "/scratch", "/other-tenant"}) {
      ASSERT_EQ(system(("mkdir -p " + root_ + dir).c_str()), 0);
    }
    std::ofstream(root_ + "/allowed/dbt_project.yml") << "name: x\n";
    std::ofstream(root_ + "/other-tenant/profiles.yml") << "secret: hunter2\n";
  }
  void TearDown() override {
    ASSERT_EQ(system(("rm -rf " + root_).c_str()), 0);
  }

  // The probe's outcomes ("op target" -> "ok" or an errno name) under a
  // sandbox with `extra` policy arguments.
  std::map<std::string, std::string> Probe(
      const std::vector<std::string>& extra,
      const std::vector<std::string>& ops) {
    std::vector<std::string> argv = {"worker/sandbox/mfgate-sandbox",
                                     "--read",
                                     "/usr",
                                     "--read",
                                     "/etc",
                                     "--read",
                                     "/proc",
                                     "--exec",
                                     "/usr/lib",
                                     "--exec",
                                     "/lib64",
                                     "--exec",
                                     probe_,
                                     "--read",
                                     root_ + "/allowed",
                                     "--write",
                                     root_ + "/scratch",
                                     "--require-landlock"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("--");
    argv.push_back(probe_);
    argv.insert(argv.end(), ops.begin(), ops.end());
    int pipe_fds[2];
    EXPECT_EQ(pipe(pipe_fds), 0);
    SpawnOptions options;
    options.argv = argv;
    options.fds = {{1, pipe_fds[1]}, {2, 2}};
    auto child = Subprocess::Spawn(options);
    close(pipe_fds[1]);
    EXPECT_TRUE(child.ok()) << child.status();
    std::string output;
    char buffer[4096];
    for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) {
      output.append(buffer, n);
    }
    close(pipe_fds[0]);
    ExitInfo exit = (*child)
                        ->WaitUntil(absl::Now() + absl::Seconds(10))
                        .value_or(ExitInfo{});
    EXPECT_EQ(exit.exit_code, 0) << exit.ToString() << "\n" << output;
    std::map<std::string, std::string> outcomes;
    std::istringstream lines(output);
    for (std::string op, target, outcome; lines >> op >> target;) {
      std::getline(lines, outcome);
      outcomes[op + " " + target] =
          outcome.substr(outcome.find_first_not_of(" \t"));
    }
    return outcomes;
  }

  std::string root_;
  std::string probe_ = Real("worker/sandbox/probe");
};

TEST_F(SandboxTest, ProcStatusShowsNoNewPrivsSeccompAndNoCapabilities) {
  auto outcomes = Probe({}, {"status"});
  EXPECT_EQ(outcomes["status NoNewPrivs:"], "1");
  EXPECT_EQ(outcomes["status Seccomp:"], "2");
  EXPECT_EQ(outcomes["status CapEff:"], "0000000000000000");
  EXPECT_EQ(outcomes["status CapBnd:"], "0000000000000000");
}

TEST_F(SandboxTest, FileSystemIsOnlyWhatThePolicyLists) {
  auto outcomes = Probe({}, {"read:" + root_ + "/allowed/dbt_project.yml",
                             "read:" + root_ + "/other-tenant/profiles.yml",
                             "write:" + root_ + "/scratch/out",
                             "write:" + root_ + "/allowed/new-file"});
  EXPECT_EQ(outcomes["read " + root_ + "/allowed/dbt_project.yml"], "ok");
  EXPECT_EQ(outcomes["read " + root_ + "/other-tenant/profiles.yml"], "EACCES");
  EXPECT_EQ(outcomes["write " + root_ + "/scratch/out"], "ok");
  EXPECT_EQ(outcomes["write " + root_ + "/allowed/new-file"], "EACCES");
}

TEST_F(SandboxTest, OnlyListedProgramsExecute) {
  auto outcomes = Probe({}, {"exec:/bin/sh", "exec:" + probe_});
  EXPECT_EQ(outcomes["exec /bin/sh"], "EACCES");
  EXPECT_EQ(outcomes["exec " + probe_], "ok");
}

TEST_F(SandboxTest, NoNetworkMeansNoInetSocketAtAll) {
  Listener listener;
  std::string port = std::to_string(listener.port());
  auto outcomes = Probe({"--network", "none"}, {"connect:" + port, "udp"});
  EXPECT_EQ(outcomes["connect " + port], "EACCES");
  EXPECT_EQ(outcomes["udp -"], "EACCES");
}

TEST_F(SandboxTest, TcpReachesOnlyTheWarehousePort) {
  Listener warehouse, elsewhere;
  std::string allowed = std::to_string(warehouse.port());
  std::string denied = std::to_string(elsewhere.port());
  auto outcomes = Probe({"--network", "tcp", "--tcp-connect", allowed},
                        {"connect:" + allowed, "connect:" + denied});
  EXPECT_EQ(outcomes["connect " + allowed], "ok");
  EXPECT_EQ(outcomes["connect " + denied], "EACCES");
}

TEST_F(SandboxTest, DeniedSystemCallsFailWithEperm) {
  auto outcomes = Probe({}, {"ptrace", "unshare"});
  EXPECT_EQ(outcomes["ptrace -"], "EPERM");
  EXPECT_EQ(outcomes["unshare -"], "EPERM");
}

// Kernels without Landlock get a mount namespace instead: paths outside the
// policy do not exist, read-only ones cannot be written.
TEST_F(SandboxTest, MountNamespaceFallbackShowsOnlyThePolicysPaths) {
  auto outcomes =
      Probe({"--file-system", "mounts"},
            {"status", "read:" + root_ + "/allowed/dbt_project.yml",
             "read:" + root_ + "/other-tenant/profiles.yml",
             "write:" + root_ + "/scratch/out",
             "write:" + root_ + "/allowed/new-file", "exec:" + probe_});
  EXPECT_EQ(outcomes["read " + root_ + "/allowed/dbt_project.yml"], "ok");
  EXPECT_EQ(outcomes["read " + root_ + "/other-tenant/profiles.yml"], "ENOENT");
  EXPECT_EQ(outcomes["write " + root_ + "/scratch/out"], "ok");
  EXPECT_EQ(outcomes["write " + root_ + "/allowed/new-file"], "EROFS");
  EXPECT_EQ(outcomes["exec " + probe_], "ok");
  EXPECT_EQ(outcomes["status NoNewPrivs:"], "1");
  EXPECT_EQ(outcomes["status Seccomp:"], "2");
  EXPECT_EQ(outcomes["status CapEff:"], "0000000000000000");
  // The scratch file was written through to the real directory.
  EXPECT_EQ(access((root_ + "/scratch/out").c_str(), F_OK), 0);
}

TEST_F(SandboxTest, BadPolicyIsRefusedBeforeAnythingRuns) {
  SpawnOptions options;
  options.argv = {"worker/sandbox/mfgate-sandbox", "--network", "wifi", "--",
                  probe_};
  auto child = Subprocess::Spawn(options);
  ASSERT_TRUE(child.ok());
  EXPECT_EQ((*child)
                ->WaitUntil(absl::Now() + absl::Seconds(10))
                .value_or(ExitInfo{})
                .exit_code,
            126);
}

}  // namespace
}  // namespace mfgate
