// The worker's unix-socket listener: it accepts connections itself so that it
// can check each peer's credentials (SO_PEERCRED) before gRPC sees a byte,
// then hands accepted connections to the gRPC server.
//
// The socket file is 0600 and owned by the user the worker runs as; only
// peers whose uid is in the allowed set are served, others are closed at
// once and logged. Thread-safety: Serve runs the accept loop on its own
// thread; Stop may be called from any thread, once.
#ifndef MFGATE_WORKER_SERVER_UNIX_LISTENER_H_
#define MFGATE_WORKER_SERVER_UNIX_LISTENER_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"

namespace mfgate::server {

class UnixListener {
 public:
  // Binds and listens on `path` (a stale socket file there is replaced), and
  // gives the file to `owner`:`group` with mode 0600.
  static absl::StatusOr<std::unique_ptr<UnixListener>> Bind(
      const std::string& path, uid_t owner, gid_t group);
  ~UnixListener();

  // Accepts connections from peers with a uid in `allowed_uids` and adds
  // them to `server` (which must outlive Stop).
  void Serve(grpc::Server* server, std::set<uid_t> allowed_uids);

  // Stops accepting and removes the socket file.
  void Stop();

  // Connections refused for their credentials so far.
  int refused() const { return refused_.load(); }

 private:
  UnixListener(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void AcceptLoop(grpc::Server* server, std::set<uid_t> allowed_uids);

  int fd_;
  const std::string path_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> refused_{0};
  std::thread thread_;
};

}  // namespace mfgate::server

#endif  // MFGATE_WORKER_SERVER_UNIX_LISTENER_H_
