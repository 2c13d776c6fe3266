#include "common/stop_signal.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace mfgate {
namespace {

// The pipe's write end, for the handler; -1 when no StopSignal exists.
volatile sig_atomic_t g_write_fd = -1;

void OnStopSignal(int signal_number) {
  const int saved = errno;
  const unsigned char number = static_cast<unsigned char>(signal_number);
  if (g_write_fd >= 0) (void)!write(g_write_fd, &number, 1);
  errno = saved;
}

}  // namespace

StopSignal::StopSignal(bool hangup) : hangup_(hangup) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return;
  read_fd_ = fds[0];
  // Reads block; the handler's writes never do (a full pipe drops them: one
  // byte waiting is enough).
  fcntl(read_fd_, F_SETFL, 0);
  g_write_fd = fds[1];
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  if (hangup_) sigaction(SIGHUP, &action, nullptr);
}

StopSignal::~StopSignal() {
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  if (hangup_) signal(SIGHUP, SIG_DFL);
  const int write_fd = g_write_fd;
  g_write_fd = -1;
  if (write_fd >= 0) close(write_fd);
  if (read_fd_ >= 0) close(read_fd_);
}

int StopSignal::Wait() {
  unsigned char number = 0;
  while (read_fd_ >= 0) {
    const ssize_t n = read(read_fd_, &number, 1);
    if (n == 1) return number;
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  return 0;
}

}  // namespace mfgate
