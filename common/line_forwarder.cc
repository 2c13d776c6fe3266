#include "common/line_forwarder.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace mfgate {
namespace {

constexpr size_t kMaxLine = 16 << 10;

}  // namespace

absl::StatusOr<std::unique_ptr<LineForwarder>> LineForwarder::Make(
    std::string source, LogLevel level, bool relay) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError("cannot create the log pipe");
  }
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<LineForwarder>(
      new LineForwarder(std::move(source), level, relay, fds[0], fds[1]));
}

absl::StatusOr<std::unique_ptr<LineForwarder>> LineForwarder::Start(
    std::string source, LogLevel level) {
  return Make(std::move(source), level, /*relay=*/false);
}

absl::StatusOr<std::unique_ptr<LineForwarder>> LineForwarder::Relay() {
  return Make("", LogLevel::kInfo, /*relay=*/true);
}

std::string LineForwarder::TakeLastError() {
  absl::MutexLock lock(&mu_);
  return std::exchange(last_error_, "");
}

void LineForwarder::WaitForwarded(absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int unread = 0;
    {
      absl::MutexLock lock(&mu_);
      if (ioctl(read_fd_, FIONREAD, &unread) != 0 ||
          (unread == 0 && !reading_)) {
        return;
      }
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

LineForwarder::LineForwarder(std::string source, LogLevel level, bool relay,
                             int read_fd, int write_fd)
    : source_(std::move(source)),
      level_(level),
      relay_(relay),
      read_fd_(read_fd),
      write_fd_(write_fd) {
  thread_ = std::thread([this] { Run(); });
}

LineForwarder::~LineForwarder() {
  stop_ = true;
  thread_.join();
  close(read_fd_);
  close(write_fd_);
}

void LineForwarder::Run() {
  char buffer[8192];
  while (true) {
    pollfd pfd{read_fd_, POLLIN, 0};
    const bool stopping = stop_.load();
    // After a stop, drain what is buffered without waiting for more.
    if (poll(&pfd, 1, stopping ? 0 : 100) > 0) {
      {
        absl::MutexLock lock(&mu_);
        reading_ = true;
      }
      ssize_t n = read(read_fd_, buffer, sizeof(buffer));
      if (n > 0) {
        pending_.append(buffer, n);
        Emit(false);
      }
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if (n > 0) continue;
    }
    if (stopping) break;
  }
  Emit(true);
}

void LineForwarder::Emit(bool flush) {
  size_t start = 0;
  while (true) {
    size_t end = pending_.find('\n', start);
    if (end == std::string::npos) {
      if (flush || pending_.size() - start > kMaxLine) end = pending_.size();
      if (end == std::string::npos || end == start) break;
    }
    // A line longer than kMaxLine goes out in pieces of kMaxLine.
    const bool piece = end - start > kMaxLine;
    if (piece) end = start + kMaxLine;
    absl::string_view line(pending_.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && relay_) {
      LogRaw(line);
      if (std::optional<std::string> error = ErrorMessageOf(line)) {
        absl::MutexLock lock(&mu_);
        last_error_ = std::move(*error);
      }
    } else if (!line.empty()) {
      Log(level_, absl::StrCat(source_, ": ", line));
    }
    start = !piece && end < pending_.size() ? end + 1 : end;
  }
  pending_.erase(0, start);
}

}  // namespace mfgate
