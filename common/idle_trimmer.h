// IdleTrimmer: gives the memory that the allocator keeps after a burst of
// work back to the operating system once the process goes quiet.
//
// glibc's malloc keeps freed memory in its arenas for reuse: after 64
// clients' calls, a gateway that is idle again holds tens of megabytes it no
// longer uses. Trimming while busy would only make the next calls fault the
// pages back in, so the trimmer watches an activity count (e.g. tool calls
// served) and trims once per quiet spell: at the first check that finds the
// count unchanged since the check before, if it changed since the last trim.
//
// Thread-safe. The background thread checks every `period` until the
// trimmer is destroyed; Check() runs one check now (for tests).
#ifndef MFGATE_COMMON_IDLE_TRIMMER_H_
#define MFGATE_COMMON_IDLE_TRIMMER_H_

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace mfgate {

class IdleTrimmer {
 public:
  // `activity` returns a count that grows with work done. `trim` gives free
  // memory back (default: malloc_trim(0) where the C library has it).
  // Neither may block for long; both are called from the trimmer's thread.
  IdleTrimmer(std::function<uint64_t()> activity, absl::Duration period,
              std::function<void()> trim = TrimMallocArenas);
  // Stops the background thread (waits for a trim under way).
  ~IdleTrimmer();
  IdleTrimmer(const IdleTrimmer&) = delete;
  IdleTrimmer& operator=(const IdleTrimmer&) = delete;

  // One check; returns whether it trimmed.
  bool Check();
  // Trims done so far.
  int trims() const;

  // malloc_trim(0) under glibc; nothing elsewhere.
  static void TrimMallocArenas();

 private:
  const std::function<uint64_t()> activity_;
  const std::function<void()> trim_;
  mutable absl::Mutex mu_;
  uint64_t last_seen_ ABSL_GUARDED_BY(mu_);
  uint64_t last_trimmed_ ABSL_GUARDED_BY(mu_);
  int trims_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Notification stop_;
  std::thread thread_;  // Last: starts once the members above exist.
};

}  // namespace mfgate

#endif  // MFGATE_COMMON_IDLE_TRIMMER_H_
