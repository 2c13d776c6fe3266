#include "bench/endpoint.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/numbers.h"

namespace mfgate::bench {

bool ParseUrl(const std::string& url, Endpoint* e) {
  std::string rest = url;
  if (rest.rfind("http://", 0) != 0) return false;
  rest = rest.substr(7);
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    e->path = rest.substr(slash);
    rest.resize(slash);
  }
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos) {
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &e->port)) return false;
    rest.resize(colon);
  }
  e->host = rest;
  return !e->host.empty();
}

int Connect(const Endpoint& e) {
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(e.host.c_str(), std::to_string(e.port).c_str(), &hints,
                  &found) != 0)
    return -1;
  int fd = socket(found->ai_family, SOCK_STREAM, 0);
  if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

}  // namespace mfgate::bench
