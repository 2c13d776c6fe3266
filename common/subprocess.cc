#include "common/subprocess.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace mfgate {
namespace {

// Where the child parks descriptors while it maps them (see ExecChild).
constexpr int kStaging = 1000;
constexpr int kErrorFdFloor = 2000;

// Runs in the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void ExecChild(const SpawnOptions& options, pid_t parent,
                            char* const* argv, char* const* envp,
                            int error_fd) {
  // Keep the error pipe clear of the descriptor numbers being mapped.
  error_fd = fcntl(error_fd, F_DUPFD_CLOEXEC, kErrorFdFloor);
  if (error_fd < 0) _exit(127);
  auto fail = [error_fd](int err) {
    ssize_t ignored = write(error_fd, &err, sizeof(err));
    (void)ignored;
    _exit(127);
  };
  if (options.die_with_parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(errno);
    // The parent may have died before prctl took effect.
    if (getppid() != parent) _exit(1);
  }
  if (options.new_process_group && setpgid(0, 0) != 0) fail(errno);
  // A fresh program starts with no blocked signals and default dispositions
  // (the parent ignores SIGPIPE, and its threads may block signals).
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  }
  // Move the mapped descriptors out of the way first, so that mapping
  // {3 <- 4} and {4 <- 3} cannot clobber each other.
  int staged[64];
  const size_t count = std::min<size_t>(options.fds.size(), 64);
  for (size_t i = 0; i < count; ++i) {
    staged[i] = fcntl(options.fds[i].second, F_DUPFD, kStaging);
    if (staged[i] < 0) fail(errno);
  }
  bool mapped[3] = {false, false, false};
  for (size_t i = 0; i < count; ++i) {
    int target = options.fds[i].first;
    if (dup2(staged[i], target) < 0) fail(errno);
    if (target >= 0 && target < 3) mapped[target] = true;
  }
  int highest = 2;
  for (size_t i = 0; i < count; ++i) {
    highest = std::max(highest, options.fds[i].first);
  }
  for (int fd = 0; fd < 3; ++fd) {
    if (mapped[fd]) continue;
    int null_fd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (null_fd < 0 || dup2(null_fd, fd) < 0) fail(errno);
    if (null_fd != fd) close(null_fd);
  }
  // Close everything above the mapped range except the error pipe (it is
  // close-on-exec and reports an exec failure).
  close_range(highest + 1, error_fd - 1, 0);
  close_range(error_fd + 1, ~0U, 0);
  umask(options.umask);
  if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) fail(errno);
  execve(argv[0], argv, envp);
  fail(errno);
  _exit(127);  // Not reached: fail() exits.
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings)
    out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

ExitInfo DecodeWaitStatus(int status) {
  ExitInfo info;
  if (WIFSIGNALED(status)) {
    info.signaled = true;
    info.signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    info.exit_code = WEXITSTATUS(status);
  }
  return info;
}

}  // namespace

std::string ExitInfo::ToString() const {
  if (signaled)
    return absl::StrCat("killed by signal ", signal, " (", strsignal(signal),
                        ")");
  return absl::StrCat("exited with status ", exit_code);
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Spawn(
    const SpawnOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("empty argv");
  if (options.fds.size() > 64)
    return absl::InvalidArgumentError("too many fds");
  std::vector<char*> argv = CStrings(options.argv);
  std::vector<char*> envp = CStrings(options.env);
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(error_pipe[0]);
    close(error_pipe[1]);
    return absl::ResourceExhaustedError(absl::StrCat("fork: ", strerror(err)));
  }
  if (pid == 0) {
    close(error_pipe[0]);
    ExecChild(options, parent, argv.data(), envp.data(), error_pipe[1]);
  }
  close(error_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(error_pipe[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  auto child = std::unique_ptr<Subprocess>(
      new Subprocess(pid, options.new_process_group));
  if (n == sizeof(child_errno)) {
    child->WaitUntil(absl::InfiniteFuture());
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot start ", options.argv[0], ": ", strerror(child_errno)));
  }
  return child;
}

Subprocess::~Subprocess() {
  if (!exit_.has_value()) {
    Signal(SIGKILL);
    WaitUntil(absl::InfiniteFuture());
  }
}

void Subprocess::Signal(int signal) {
  if (exit_.has_value()) return;
  if (own_group_) {
    kill(-pid_, signal);
  } else {
    kill(pid_, signal);
  }
}

std::optional<ExitInfo> Subprocess::TryWait() {
  if (exit_.has_value()) return exit_;
  int status = 0;
  pid_t done;
  do {
    done = waitpid(pid_, &status, WNOHANG);
  } while (done < 0 && errno == EINTR);
  if (done == pid_) exit_ = DecodeWaitStatus(status);
  return exit_;
}

std::optional<ExitInfo> Subprocess::WaitUntil(absl::Time deadline) {
  absl::Duration pause = absl::Milliseconds(1);
  while (true) {
    if (auto info = TryWait()) return info;
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(std::min(pause, deadline - absl::Now()));
    pause = std::min(pause * 2, absl::Milliseconds(50));
  }
}

ExitInfo Subprocess::Terminate(absl::Duration grace) {
  Signal(SIGTERM);
  if (auto info = WaitUntil(absl::Now() + grace)) return *info;
  Signal(SIGKILL);
  return *WaitUntil(absl::InfiniteFuture());
}

bool IsProcessRunning(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  // The state follows the parenthesized command name, which may hold spaces.
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() &&
         line[paren + 2] != 'Z';
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    env.emplace_back(*e);
  return env;
}

std::vector<std::string> WithEnv(std::vector<std::string> env,
                                 const std::string& name,
                                 const std::string& value) {
  const std::string prefix = name + "=";
  env.erase(std::remove_if(env.begin(), env.end(),
                           [&](const std::string& entry) {
                             return entry.rfind(prefix, 0) == 0;
                           }),
            env.end());
  env.push_back(prefix + value);
  return env;
}

absl::StatusOr<CapturedRun> RunCapturingOutput(
    SpawnOptions options, absl::Time deadline, size_t max_output_bytes,
    const std::function<bool()>& cancelled) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  options.fds.erase(std::remove_if(options.fds.begin(), options.fds.end(),
                                   [](const auto& fd) {
                                     return fd.first == 1 || fd.first == 2;
                                   }),
                    options.fds.end());
  options.fds.push_back({1, out[1]});
  options.fds.push_back({2, out[1]});
  auto child = Subprocess::Spawn(options);
  close(out[1]);
  if (!child.ok()) {
    close(out[0]);
    return absl::UnavailableError(child.status().message());
  }
  CapturedRun run;
  char buffer[65536];
  absl::Status stopped;
  while (stopped.ok()) {
    if (cancelled && cancelled()) {
      stopped = absl::CancelledError("cancelled; the child was stopped");
      break;
    }
    if (absl::Now() >= deadline) {
      stopped = absl::DeadlineExceededError(
          "deadline exceeded; the child was stopped");
      break;
    }
    pollfd pfd{out[0], POLLIN, 0};
    if (poll(&pfd, 1, 50) <= 0) continue;
    ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (run.output.size() + n > max_output_bytes) {
      stopped = absl::ResourceExhaustedError("the child printed too much");
      break;
    }
    run.output.append(buffer, n);
  }
  close(out[0]);
  if (!stopped.ok()) return stopped;  // ~Subprocess kills and reaps.
  std::optional<ExitInfo> exit = (*child)->WaitUntil(deadline);
  if (!exit.has_value()) {
    return absl::DeadlineExceededError("the child did not exit in time");
  }
  run.exit = *exit;
  return run;
}

}  // namespace mfgate
