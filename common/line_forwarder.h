// LineForwarder: a pipe whose lines become log events of this process.
//
// A child process (such as the worker's engine) writes its stdout and stderr
// into write_fd(); a thread reads the pipe and logs each line as
// "<source>: <line>", so that the child's output follows this process's log
// format (one JSON object per line with --log-format json) instead of
// interleaving raw text. Lines longer than 16 KiB go out in 16 KiB pieces.
//
// Thread-safety: write_fd() may be used from any thread; the destructor
// stops the thread after logging what the pipe still holds. The write end
// stays open for the forwarder's lifetime, so several children, one after
// another or at once, can share it.
#ifndef MFGATE_COMMON_LINE_FORWARDER_H_
#define MFGATE_COMMON_LINE_FORWARDER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/log.h"

namespace mfgate {

class LineForwarder {
 public:
  static absl::StatusOr<std::unique_ptr<LineForwarder>> Start(
      std::string source, LogLevel level);
  ~LineForwarder();
  LineForwarder(const LineForwarder&) = delete;
  LineForwarder& operator=(const LineForwarder&) = delete;

  // The pipe's write end (close-on-exec; give it to a child as fd 1 and 2).
  int write_fd() const { return write_fd_; }

 private:
  LineForwarder(std::string source, LogLevel level, int read_fd, int write_fd);
  void Run();
  // Logs every complete line of `pending_`; with `flush`, the rest too.
  void Emit(bool flush);

  const std::string source_;
  const LogLevel level_;
  const int read_fd_;
  const int write_fd_;
  std::atomic<bool> stop_{false};
  std::string pending_;  // Only touched by the thread.
  std::thread thread_;
};

}  // namespace mfgate

#endif  // MFGATE_COMMON_LINE_FORWARDER_H_
