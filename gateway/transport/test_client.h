// Raw HTTP/1.1 for the transport's tests: a request's bytes on a loopback
// connection, and the first bytes of the answer. Test-only.
#ifndef MFGATE_GATEWAY_TRANSPORT_TEST_CLIENT_H_
#define MFGATE_GATEWAY_TRANSPORT_TEST_CLIENT_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace mfgate::transport::testing {

// A connection to 127.0.0.1:`port` whose reads give up after ten seconds.
inline int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

// Sends `request` on a new connection and returns the answer: its head, and
// its body when it has a Content-Length (as much as arrives in ten seconds
// otherwise); the connection is closed unless `fd_out` takes it.
inline std::string Ask(int port, const std::string& request,
                       int* fd_out = nullptr) {
  const int fd = Connect(port);
  EXPECT_EQ(send(fd, request.data(), request.size(), 0),
            static_cast<ssize_t>(request.size()));
  std::string answer;
  size_t expected = std::string::npos;  // Unknown until the head is in.
  char buffer[4096];
  while (answer.size() < expected) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    answer.append(buffer, n);
    const size_t head_end = answer.find("\r\n\r\n");
    if (head_end == std::string::npos) continue;
    const size_t length = answer.find("Content-Length: ");
    expected = length < head_end
                   ? head_end + 4 + std::stoul(answer.substr(length + 16))
                   : answer.size();
  }
  if (fd_out != nullptr) {
    *fd_out = fd;
  } else {
    close(fd);
  }
  return answer;
}

}  // namespace mfgate::transport::testing

#endif  // MFGATE_GATEWAY_TRANSPORT_TEST_CLIENT_H_
