// Endpoint: where load_http sends its calls (an http:// URL taken apart),
// and Connect, which opens a connection for its event loop.
#ifndef MFGATE_BENCH_ENDPOINT_H_
#define MFGATE_BENCH_ENDPOINT_H_

#include <string>

#include "absl/strings/str_cat.h"

namespace mfgate::bench {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 80;
  std::string path = "/mcp";
  std::string Base() const { return absl::StrCat("http://", host, ":", port); }
};

// Fills `e` from http://host[:port][/path]; false for anything else.
bool ParseUrl(const std::string& url, Endpoint* e);

// A non-blocking TCP connection (TCP_NODELAY) to `e`, or -1.
int Connect(const Endpoint& e);

}  // namespace mfgate::bench

#endif  // MFGATE_BENCH_ENDPOINT_H_
