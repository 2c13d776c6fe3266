// Reloader: applies a changed configuration while the gateway serves.
//
// A reload is asked for (Request, on SIGHUP) or noticed: every `poll` the
// files the served configuration was read from (the file itself, its
// tenants' key files, the session secret file) are looked at, following
// symbolic links (inode, size, modification time: a Kubernetes ConfigMap or
// Secret update swaps a symbolic link, an edit rewrites the file), and any
// change is a reload. A reload loads the configuration as a start does,
// checks that it may replace the served one while serving (CheckReload),
// and hands it to `apply`. A configuration that fails to load or check is
// refused with one log line saying why, and the served one is kept; the
// same broken files are not tried again until they change.
//
// Thread-safety: loading and applying run on the reloader's own thread, one
// reload at a time. Request may be called from any thread (never from a
// signal handler: StopSignal writes a pipe there, and the thread that reads
// it calls Request).
#ifndef MFGATE_GATEWAY_RELOADER_H_
#define MFGATE_GATEWAY_RELOADER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/config/config.h"

namespace mfgate {

// Whether `next` may replace `current` in a running gateway: API keys
// cannot be turned on or off, and without keys the one tenant keeps its
// name (its callers have no other way to name it). Settings a reload does
// not apply are not errors: ChangedAtRestart names them.
absl::Status CheckReload(const config::GatewayConfig& current,
                         const config::GatewayConfig& next);
// The settings that differ between `current` and `next` and are applied
// only at the next start (limits, timeouts, worker TLS, the worker binary,
// the session secret file).
std::vector<std::string> ChangedAtRestart(const config::GatewayConfig& current,
                                          const config::GatewayConfig& next);

class Reloader {
 public:
  using Load = std::function<absl::StatusOr<config::GatewayConfig>()>;
  // Serves `next` in place of `current` (both checked by CheckReload).
  using Apply = std::function<absl::Status(const config::GatewayConfig& current,
                                           const config::GatewayConfig& next)>;

  // `config_file` is the file `current` was read from (empty: the
  // environment, which no reload changes: Request reloads it all the same).
  Reloader(config::GatewayConfig current, std::string config_file, Load load,
           Apply apply, absl::Duration poll);
  // Stops the thread (a reload in progress finishes first).
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Asks for a reload now (SIGHUP).
  void Request();

 private:
  // Identifies the current contents of the watched files.
  std::string Signature() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();
  void Reload(const std::string& why);

  const std::string config_file_;
  const Load load_;
  const Apply apply_;
  const absl::Duration poll_;

  absl::Mutex mu_;
  config::GatewayConfig current_ ABSL_GUARDED_BY(mu_);
  std::string seen_ ABSL_GUARDED_BY(mu_);  // Signature() last looked at.
  bool requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace mfgate

#endif  // MFGATE_GATEWAY_RELOADER_H_
