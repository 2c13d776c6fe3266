#include "worker/server/unix_listener.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "grpcpp/server_posix.h"

namespace mfgate::server {

absl::StatusOr<std::unique_ptr<UnixListener>> UnixListener::Bind(
    const std::string& path, uid_t owner, gid_t group) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unix socket path must be 1 to ",
                     sizeof(address.sun_path) - 1, " bytes: '", path, "'"));
  }
  memcpy(address.sun_path, path.c_str(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(strerror(errno));
  unlink(path.c_str());
  // Created 0600 from the start: no window in which others may connect.
  mode_t old = umask(0177);
  int rc = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  int saved = errno;
  umask(old);
  if (rc != 0 || listen(fd, 128) != 0) {
    if (rc == 0) saved = errno;
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot listen on unix:", path, ": ", strerror(saved)));
  }
  if (chown(path.c_str(), owner, group) != 0 && geteuid() == 0) {
    saved = errno;
    close(fd);
    return absl::InternalError(
        absl::StrCat("chown ", path, ": ", strerror(saved)));
  }
  return std::unique_ptr<UnixListener>(new UnixListener(fd, path));
}

UnixListener::~UnixListener() { Stop(); }

void UnixListener::Serve(grpc::Server* server, std::set<uid_t> allowed_uids) {
  thread_ =
      std::thread([this, server, allowed = std::move(allowed_uids)]() mutable {
        AcceptLoop(server, std::move(allowed));
      });
}

void UnixListener::AcceptLoop(grpc::Server* server,
                              std::set<uid_t> allowed_uids) {
  while (!stopping_) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    // gRPC drives the connection with non-blocking I/O.
    int connection =
        accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (connection < 0) continue;
    ucred peer{};
    socklen_t size = sizeof(peer);
    if (getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 ||
        allowed_uids.count(peer.uid) == 0) {
      ++refused_;
      LogWarning(absl::StrCat("refused a connection from uid ", peer.uid,
                              " pid ", peer.pid, ": not the gateway's user"));
      close(connection);
      continue;
    }
    // gRPC owns the descriptor from here on.
    grpc::AddInsecureChannelFromFd(server, connection);
  }
}

void UnixListener::Stop() {
  if (stopping_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  close(fd_);
  unlink(path_.c_str());
}

}  // namespace mfgate::server
