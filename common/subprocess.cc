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

#include "absl/base/internal/raw_logging.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace mfgate {
namespace {

// The steps of ExecChild that can fail, as the child reports them to the
// parent through the error pipe (with errno), so that a failure names its
// cause rather than showing as a child that exits 127.
enum ChildStep : int {
  kStepPipe,
  kStepDeathSignal,
  kStepProcessGroup,
  kStepStage,
  kStepMap,
  kStepDevNull,
  kStepCloseRange,
  kStepChdir,
  kStepExec,
};

const char* StepName(int step) {
  static const char* const kNames[] = {
      "move the error pipe",
      "set the parent-death signal",
      "make a process group",
      "stage descriptors",
      "map descriptors",
      "open /dev/null",
      "close inherited descriptors",
      "change directory",
      "execute",
  };
  return step >= 0 && step <= kStepExec ? kNames[step] : "start";
}

// Runs in the child between fork and exec: only async-signal-safe calls.
// Descriptors are staged just above the highest one mapped, never at fixed
// high numbers, so that a low open-file limit (1024 is a common default)
// never stops a spawn.
[[noreturn]] void ExecChild(const SpawnOptions& options, pid_t parent,
                            char* const* argv, char* const* envp,
                            int error_fd) {
  int highest = 2;
  for (const auto& fd : options.fds) highest = std::max(highest, fd.first);
  auto report = [](int fd, int step, int err) {
    const int message[2] = {step, err};
    ssize_t ignored = write(fd, message, sizeof(message));
    (void)ignored;
    _exit(127);
  };
  // Keep the error pipe clear of the descriptor numbers being mapped.
  const int moved = fcntl(error_fd, F_DUPFD_CLOEXEC, highest + 1);
  if (moved < 0) report(error_fd, kStepPipe, errno);
  error_fd = moved;
  auto fail = [&](int step, int err) { report(error_fd, step, err); };
  if (options.die_with_parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(kStepDeathSignal, errno);
    // The parent may have died before prctl took effect.
    if (getppid() != parent) _exit(1);
  }
  if (options.new_process_group && setpgid(0, 0) != 0)
    fail(kStepProcessGroup, errno);
  // A fresh program starts with no blocked signals and default dispositions
  // (the parent ignores SIGPIPE, and its threads may block signals).
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  }
  // Move the mapped descriptors above every target first, so that mapping
  // {3 <- 4} and {4 <- 3} cannot clobber each other.
  int staged[64];
  const size_t count = std::min<size_t>(options.fds.size(), 64);
  for (size_t i = 0; i < count; ++i) {
    staged[i] = fcntl(options.fds[i].second, F_DUPFD, highest + 1);
    if (staged[i] < 0) fail(kStepStage, errno);
  }
  bool mapped[3] = {false, false, false};
  for (size_t i = 0; i < count; ++i) {
    int target = options.fds[i].first;
    if (dup2(staged[i], target) < 0) fail(kStepMap, errno);
    if (target >= 0 && target < 3) mapped[target] = true;
  }
  for (int fd = 0; fd < 3; ++fd) {
    if (mapped[fd]) continue;
    int null_fd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (null_fd < 0 || dup2(null_fd, fd) < 0) fail(kStepDevNull, errno);
    if (null_fd != fd) close(null_fd);
  }
  // Close everything above the mapped range (the staged copies included)
  // except the error pipe, which is close-on-exec and reports an exec
  // failure. A descriptor left open would leak into the child: fail instead.
  if (error_fd > highest + 1 &&
      close_range(highest + 1, error_fd - 1, 0) != 0) {
    fail(kStepCloseRange, errno);
  }
  if (close_range(error_fd + 1, ~0U, 0) != 0) fail(kStepCloseRange, errno);
  umask(options.umask);
  if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0)
    fail(kStepChdir, errno);
  execve(argv[0], argv, envp);
  fail(kStepExec, errno);
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
  int failure[2] = {0, 0};  // The step that failed and its errno.
  ssize_t n;
  do {
    n = read(error_pipe[0], failure, sizeof(failure));
  } while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  auto child = std::unique_ptr<Subprocess>(
      new Subprocess(pid, options.new_process_group));
  if (n == sizeof(failure)) {
    child->WaitUntil(absl::InfiniteFuture());
    if (failure[0] == kStepExec) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot start ", options.argv[0], ": ", strerror(failure[1])));
    }
    const std::string why =
        absl::StrCat("cannot start ", options.argv[0], ": cannot ",
                     StepName(failure[0]), ": ", strerror(failure[1]));
    // A missing working directory is the caller's; a step short of
    // descriptors or processes is the machine's.
    return failure[0] == kStepChdir ? absl::FailedPreconditionError(why)
                                    : absl::ResourceExhaustedError(why);
  }
  return child;
}

Subprocess::~Subprocess() {
  Signal(SIGKILL);
  Reap(/*block=*/true);
}

void Subprocess::CheckOwner() {
  const std::thread::id self = std::this_thread::get_id();
  std::thread::id owner;  // No owner yet: the caller becomes it.
  if (owner_.compare_exchange_strong(owner, self) || owner == self) return;
#ifndef NDEBUG
  ABSL_RAW_LOG(FATAL, "child %d waited on by a thread that does not own it",
               static_cast<int>(pid_));
#else
  ABSL_RAW_LOG(ERROR, "child %d waited on by a thread that does not own it",
               static_cast<int>(pid_));
#endif
}

void Subprocess::Signal(int signal) {
  // Under the lock that reaping takes: once reaped, the pid may belong to
  // another process.
  absl::MutexLock lock(&mu_);
  if (exit_.has_value()) return;
  kill(own_group_ ? -pid_ : pid_, signal);
}

bool Subprocess::HasExited() {
  absl::MutexLock lock(&mu_);
  if (exit_.has_value()) return true;
  siginfo_t info{};
  // WNOWAIT: look without reaping; the owner still collects the status.
  return waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid_;
}

std::optional<ExitInfo> Subprocess::Reap(bool block) {
  absl::MutexLock lock(&mu_);
  if (exit_.has_value()) return exit_;
  int status = 0;
  pid_t done;
  do {
    done = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (done < 0 && errno == EINTR);
  if (done == pid_) exit_ = DecodeWaitStatus(status);
  return exit_;
}

std::optional<ExitInfo> Subprocess::TryWait() {
  CheckOwner();
  return Reap(/*block=*/false);
}

std::optional<ExitInfo> Subprocess::WaitUntil(absl::Time deadline) {
  CheckOwner();
  absl::Duration pause = absl::Milliseconds(1);
  while (true) {
    if (auto info = Reap(/*block=*/false)) return info;
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
