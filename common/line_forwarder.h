// LineForwarder: a pipe whose lines become log events of this process.
//
// A child process (such as the worker's engine) writes its stdout and stderr
// into write_fd(); a thread reads the pipe and logs each line as
// "<source>: <line>", so that the child's output follows this process's log
// format (one JSON object per line with --log-format json) instead of
// interleaving raw text. Lines longer than 16 KiB go out in 16 KiB pieces.
//
// Relay() makes a forwarder for another mfgate process (a spawned worker),
// whose lines are log lines already: they are written as they are, and the
// message of the last error line is kept (TakeLastError()), so that the
// parent can say why the child stopped.
//
// Thread-safety: write_fd(), TakeLastError() and WaitForwarded() may be used
// from any thread; the destructor stops the thread after logging what the pipe
// still holds. The write end stays open for the forwarder's lifetime, so
// several children, one after another or at once, can share it.
#ifndef MFGATE_COMMON_LINE_FORWARDER_H_
#define MFGATE_COMMON_LINE_FORWARDER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log.h"

namespace mfgate {

class LineForwarder {
 public:
  static absl::StatusOr<std::unique_ptr<LineForwarder>> Start(
      std::string source, LogLevel level);
  static absl::StatusOr<std::unique_ptr<LineForwarder>> Relay();
  ~LineForwarder();
  LineForwarder(const LineForwarder&) = delete;
  LineForwarder& operator=(const LineForwarder&) = delete;

  // The pipe's write end (close-on-exec; give it to a child as fd 1 and 2).
  int write_fd() const { return write_fd_; }

  // Relay: the message of the last error line forwarded since the last
  // call ("" if none); forgets it.
  std::string TakeLastError();

  // Waits, at most `timeout`, until every complete line written to the pipe
  // so far has been forwarded (a child that just exited has said all it
  // will).
  void WaitForwarded(absl::Duration timeout) const;

 private:
  static absl::StatusOr<std::unique_ptr<LineForwarder>> Make(std::string source,
                                                             LogLevel level,
                                                             bool relay);
  LineForwarder(std::string source, LogLevel level, bool relay, int read_fd,
                int write_fd);
  void Run();
  // Logs every complete line of `pending_`; with `flush`, the rest too.
  void Emit(bool flush);

  const std::string source_;
  const LogLevel level_;
  const bool relay_;
  const int read_fd_;
  const int write_fd_;
  std::atomic<bool> stop_{false};
  std::string pending_;  // Only touched by the thread.
  mutable absl::Mutex mu_;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  // Between a read of the pipe and the logging of what it read.
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace mfgate

#endif  // MFGATE_COMMON_LINE_FORWARDER_H_
