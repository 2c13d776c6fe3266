// StopSignal: SIGTERM and SIGINT (and, when asked, SIGHUP: reload) as
// events a thread can wait for.
//
// A signal handler may run on any thread, between any two instructions: it
// must not take a lock, allocate or call into a server. The handler here
// only writes the signal's number to a pipe (async-signal-safe); Wait reads
// it on an ordinary thread, which then stops what it serves.
//
// At most one StopSignal exists at a time (it owns the handlers); Wait may
// be called from one thread.
#ifndef MFGATE_COMMON_STOP_SIGNAL_H_
#define MFGATE_COMMON_STOP_SIGNAL_H_

namespace mfgate {

class StopSignal {
 public:
  // Installs the handlers of SIGTERM and SIGINT, and of SIGHUP with
  // `hangup` (Wait then returns SIGHUP too; without it SIGHUP keeps its
  // default action).
  explicit StopSignal(bool hangup = false);
  // Restores the default handlers.
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Blocks until one of the signals arrives (or arrived since construction
  // and was not returned yet); returns its number.
  int Wait();

 private:
  int read_fd_ = -1;
  bool hangup_ = false;
};

}  // namespace mfgate

#endif  // MFGATE_COMMON_STOP_SIGNAL_H_
