// Listening TCP sockets that belong to this process alone.
//
// cpp-httplib sets SO_REUSEPORT on the sockets it listens on: a second
// server started on a port already served then binds it as well, and the
// kernel splits new connections between the two. Our listeners set
// SO_REUSEADDR only (a restart may bind while the last run's connections
// wait in TIME_WAIT), so a taken port fails to bind, with EADDRINUSE.
// Stateless; safe from any thread.
#ifndef MFGATE_COMMON_LISTEN_SOCKET_H_
#define MFGATE_COMMON_LISTEN_SOCKET_H_

#include <string>

#include "absl/status/statusor.h"

namespace mfgate {

// The socket options of an exclusive listener: SO_REUSEADDR, never
// SO_REUSEPORT. Fits cpp-httplib's Server::set_socket_options.
void SetExclusiveListenOptions(int fd);

// Binds `host`:`port` (a name or address; `[::1]` brackets allowed; port 0
// picks a free one) and listens with the system's largest backlog. The
// socket is non-blocking and close-on-exec; the caller owns it. A taken
// port is Unavailable, with a message that says so.
absl::StatusOr<int> ListenTcp(const std::string& host, int port);

// The port `fd` is bound to, or -1.
int BoundPort(int fd);

}  // namespace mfgate

#endif  // MFGATE_COMMON_LISTEN_SOCKET_H_
