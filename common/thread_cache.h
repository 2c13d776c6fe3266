// ThreadCache: runs tasks on threads that are kept for reuse.
//
// For work that blocks (a tool call waits on its worker for up to minutes),
// a fixed pool would queue calls behind slow ones, and a thread per task pays
// for creating and destroying a thread, and its malloc arena, on every call.
// A ThreadCache hands each task to an idle thread when there is one and
// starts a new thread otherwise, up to `max_threads`; a thread idle for
// `idle_timeout` exits. At the cap a task waits for a thread only while
// fewer than `max_queued` (none by default) wait already; past that it is
// refused (TryRun returns false), never given one thread more: the caller
// answers "overloaded, retry" (RESOURCE_EXHAUSTED, a JSON-RPC busy error,
// an HTTP 503).
//
// Thread-safe. Shared() is the process's cache (kSharedMaxThreads), never
// destroyed (its threads may still be running tasks while static objects are
// destroyed at exit).
#ifndef MFGATE_COMMON_THREAD_CACHE_H_
#define MFGATE_COMMON_THREAD_CACHE_H_

#include <deque>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace mfgate {

class ThreadCache {
 public:
  // Threads of Shared(): calls in flight at once in one process.
  static constexpr int kSharedMaxThreads = 256;

  explicit ThreadCache(absl::Duration idle_timeout = absl::Seconds(60),
                       int max_threads = kSharedMaxThreads,
                       size_t max_queued = 0);
  // Waits until every thread has finished its task and exited.
  ~ThreadCache();
  ThreadCache(const ThreadCache&) = delete;
  ThreadCache& operator=(const ThreadCache&) = delete;

  static ThreadCache& Shared();

  // Runs `task` on an idle thread, or on a new one when none is idle and
  // the cap allows, or (at the cap) after the tasks already waiting; false
  // (and `task` dropped, unrun) when every thread is busy, there are
  // max_threads() of them and max_queued tasks wait.
  [[nodiscard]] bool TryRun(std::function<void()> task);

  int max_threads() const { return max_threads_; }
  // Threads running a task now.
  int busy() const;
  // Whether TryRun would start a task at once (a thread is free or may
  // start), rather than queue or refuse it.
  bool CanRunNow() const;

  // Threads that exist now, busy or idle (for tests and metrics).
  int threads() const;
  // Threads waiting for a task.
  int idle() const;

 private:
  void Loop();

  const absl::Duration idle_timeout_;
  const int max_threads_;
  const size_t max_queued_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  int threads_ ABSL_GUARDED_BY(mu_) = 0;
  int idle_ ABSL_GUARDED_BY(mu_) = 0;
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace mfgate

#endif  // MFGATE_COMMON_THREAD_CACHE_H_
