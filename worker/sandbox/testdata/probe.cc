// Tries each operation named on its command line and prints one line per
// operation: "<op> <target> ok" or "<op> <target> <errno name>".
//
//   read:PATH  write:PATH  exec:PATH  connect:PORT (TCP, 127.0.0.1)
//   udp  ptrace  unshare  status (prints /proc/self/status lines of interest)
// The sandbox tests run it under mfgate-sandbox and read the outcomes.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

int Read(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

int Write(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

int Exec(const std::string& path) {
  // The exec's own outcome travels back through a pipe (0 when it ran).
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return errno;
  pid_t pid = fork();
  if (pid == 0) {
    char* argv[] = {const_cast<char*>(path.c_str()), const_cast<char*>("-c"),
                    const_cast<char*>("true"), nullptr};
    execv(path.c_str(), argv);
    int err = errno;
    ssize_t ignored = write(pipe_fds[1], &err, sizeof(err));
    (void)ignored;
    _exit(127);
  }
  close(pipe_fds[1]);
  int err = 0;
  if (read(pipe_fds[0], &err, sizeof(err)) != sizeof(err)) err = 0;
  close(pipe_fds[0]);
  waitpid(pid, nullptr, 0);
  return err;
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  int err = rc == 0 ? 0 : errno;
  close(fd);
  return err;
}

int Udp() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

void Report(const std::string& op, const std::string& target, int err) {
  printf("%s %s %s\n", op.c_str(), target.empty() ? "-" : target.c_str(),
         err == 0 ? "ok" : strerrorname_np(err));
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    size_t colon = arg.find(':');
    std::string op = arg.substr(0, colon);
    std::string target =
        colon == std::string::npos ? "" : arg.substr(colon + 1);
    if (op == "read") Report(op, target, Read(target));
    if (op == "write") Report(op, target, Write(target));
    if (op == "exec") Report(op, target, Exec(target));
    if (op == "connect") Report(op, target, Connect(std::atoi(target.c_str())));
    if (op == "udp") Report(op, target, Udp());
    if (op == "ptrace") {
      Report(op, target,
             ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) == 0 ? 0 : errno);
    }
    if (op == "unshare")
      Report(op, target, unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
    if (op == "status") {
      std::ifstream status("/proc/self/status");
      for (std::string line; std::getline(status, line);) {
        if (line.rfind("NoNewPrivs", 0) == 0 ||
            line.rfind("Seccomp:", 0) == 0 || line.rfind("CapEff", 0) == 0 ||
            line.rfind("CapBnd", 0) == 0) {
          printf("status %s\n", line.c_str());
        }
      }
    }
  }
  fflush(stdout);
  return 0;
}
