// Fuzzes the HTTP request path (gateway/transport): the gateway's real
// HttpTransport — cpp-httplib's request parsing, then the origin check,
// authentication, session lookup and the /mcp, /sse, /messages, /health and
// /ready handlers — serving sessions of FakeTools on a loopback port of this
// process. The input is the raw bytes a client sends on one connection (one
// request or several, kept alive). Before each input the harness opens a
// session of its own (tenant "fuzz", key "fuzz-key") and puts its id in place
// of every "SESSION" in the input, so that the handlers behind the session
// lookup are reached too. After it, the harness deletes every session the
// exchange created, which also ends the event streams it opened. Any input
// must be answered, never crash the process, and leave it serving: each input
// starts with a fresh initialize that must be answered (200, or 429 while
// the tenant is at its session cap).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "gateway/auth/api_keys.h"
#include "gateway/config/config.h"
#include "gateway/mcp/fake_tools.h"
#include "gateway/transport/http_transport.h"

namespace mfgate::transport {
namespace {

// How long the harness waits for more of an answer before it takes the
// exchange as over: an input may have opened an event stream, which never
// ends by itself (the harness then deletes its session), or sent a request
// that the harness takes as whole and the server does not.
constexpr int kQuietMs = 20;
constexpr absl::Duration kMaxExchange = absl::Seconds(10);

HttpTransport* transport = nullptr;

// Loopback addresses the harness's connections come from, in turn. Each
// connection the harness closes first stays in TIME_WAIT for a minute on its
// (source address, port); from one address, a few hundred inputs a second
// would use up the ephemeral ports (connect: EADDRNOTAVAIL).
constexpr uint32_t kSourceAddresses = 64;

int Connect() {
  static uint32_t next_source = 0;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr =
      htonl(INADDR_LOOPBACK + 1 + next_source++ % kSourceAddresses);
  if (fd >= 0 &&
      bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0) {
    std::cerr << "http_fuzzer: cannot bind a loopback source address: "
              << strerror(errno) << "\n";
    std::abort();
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(transport->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address),
                        sizeof(address)) != 0) {
    std::cerr << "http_fuzzer: cannot "
              << (fd < 0 ? "open a socket" : "connect")
              << " to the transport: " << strerror(errno) << "\n";
    std::abort();
  }
  return fd;
}

// Whether `request` is whole by HTTP/1.1's framing — its headers, then
// Content-Length bytes of body or chunks up to the last — so that the server
// answers it rather than waiting for more.
bool Whole(absl::string_view request) {
  size_t end = request.find("\r\n\r\n");
  if (end == absl::string_view::npos) return false;
  const std::string headers = absl::AsciiStrToLower(request.substr(0, end + 2));
  absl::string_view body = request.substr(end + 4);
  size_t chunked = headers.find("\r\ntransfer-encoding:");
  if (chunked != std::string::npos &&
      headers.find("chunked", chunked) < headers.find("\r\n", chunked + 2)) {
    return absl::EndsWith(body, "0\r\n\r\n");
  }
  size_t length = headers.find("\r\ncontent-length:");
  if (length == std::string::npos) return true;
  size_t value = length + strlen("\r\ncontent-length:");
  size_t expected = 0;
  // An unreadable length is answered with 400.
  return !absl::SimpleAtoi(
             headers.substr(value, headers.find("\r\n", value) - value),
             &expected) ||
         body.size() >= expected;
}

// Whether `answer` is a whole response (cpp-httplib may keep the connection
// open after one, e.g. after a 400 for a request it could not read), or has
// opened an event stream and sent its first event (the legacy endpoint, with
// the session id, or a call's first progress): the stream goes on until the
// harness deletes its session.
bool Answered(absl::string_view answer) {
  size_t end = answer.find("\r\n\r\n");
  if (end == absl::string_view::npos) return false;
  const std::string headers = absl::AsciiStrToLower(answer.substr(0, end + 2));
  absl::string_view body = answer.substr(end + 4);
  if (absl::StrContains(headers, "content-type: text/event-stream")) {
    return !body.empty();
  }
  size_t length = headers.find("\r\ncontent-length:");
  if (length == std::string::npos) return absl::EndsWith(body, "0\r\n\r\n");
  size_t value = length + strlen("\r\ncontent-length:");
  size_t expected = 0;
  return absl::SimpleAtoi(
             headers.substr(value, headers.find("\r\n", value) - value),
             &expected) &&
         body.size() >= expected;
}

// Sends `request` on a new connection and returns what comes back until the
// server closes the connection or (`until_quiet`) stops sending for
// kQuietMs, or has answered. A request that is not whole is
// followed by the end of the stream, which the server answers by closing at
// once. (cpp-httplib drops its answer to a whole request from a client that
// shut its sending side down, so those carry "Connection: close" instead.)
std::string Exchange(absl::string_view request, bool until_quiet) {
  int fd = Connect();
  const bool whole = Whole(request);
  while (!request.empty()) {
    ssize_t n = send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    if (n <= 0) break;  // The server may answer and close early.
    request.remove_prefix(static_cast<size_t>(n));
  }
  if (!whole) shutdown(fd, SHUT_WR);
  std::string answer;
  const absl::Time give_up = absl::Now() + kMaxExchange;
  char buffer[16384];
  while (absl::Now() < give_up) {
    pollfd pfd{fd, POLLIN, 0};
    int ready = poll(&pfd, 1, until_quiet ? kQuietMs : 100);
    if (ready == 0 && until_quiet) break;
    if (ready <= 0) continue;
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
    if (until_quiet && Answered(answer)) break;
  }
  close(fd);
  return answer;
}

// Every session id an answer names: Mcp-Session-Id headers and the legacy
// endpoint event's session_id.
std::set<std::string> SessionIds(absl::string_view answer) {
  std::set<std::string> ids;
  const std::string lower = absl::AsciiStrToLower(answer);
  for (const char* marker : {"\nmcp-session-id:", "session_id="}) {
    for (size_t at = lower.find(marker); at != std::string::npos;
         at = lower.find(marker, at + 1)) {
      size_t start = at + strlen(marker);
      while (start < lower.size() && lower[start] == ' ') ++start;
      size_t end = start;
      // A session token (auth/session_token.h), or a legacy hex id.
      while (end < lower.size() &&
             (absl::ascii_isalnum(lower[end]) || lower[end] == '.' ||
              lower[end] == '-' || lower[end] == '_')) {
        ++end;
      }
      if (end > start)
        ids.insert(std::string(answer.substr(start, end - start)));
    }
  }
  return ids;
}

std::string Post(absl::string_view body) {
  return absl::StrCat(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer fuzz-key\r\n"
      "Content-Type: application/json\r\n"
      "Accept: application/json, text/event-stream\r\n"
      "Connection: close\r\nContent-Length: ",
      body.size(), "\r\n\r\n", body);
}

std::string Delete(absl::string_view id) {
  return absl::StrCat(
      "DELETE /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
      "Authorization: Bearer fuzz-key\r\nMcp-Session-Id: ",
      id, "\r\n\r\n");
}

constexpr absl::string_view kSeparator = "\n=====\n";

// `request` with "Connection: close" after its first line, when it has one.
std::string Closing(absl::string_view request) {
  size_t line_end = request.find("\r\n");
  if (line_end == absl::string_view::npos) return std::string(request);
  return absl::StrCat(request.substr(0, line_end + 2), "Connection: close\r\n",
                      request.substr(line_end + 2));
}

}  // namespace
}  // namespace mfgate::transport

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace mfgate;
  signal(SIGPIPE, SIG_IGN);
  SetLogLevel(LogLevel::kError);
  static mcp::FakeTools tools;
  config::GatewayConfig gateway;
  config::TenantConfig tenant;
  tenant.name = "fuzz";
  tenant.api_key_sha256 = {config::Sha256Hex("fuzz-key")};
  gateway.tenants.push_back(tenant);
  static auth::ApiKeys keys(gateway);
  transport::HttpOptions options;
  options.port = 0;
  options.limits.requests_per_second = 1e6;
  options.limits.burst = 1e6;
  options.limits.idle_session_timeout = absl::Seconds(10);
  options.response_timeout = absl::Seconds(2);
  transport::transport = new transport::HttpTransport(
      options, &keys,
      [](const std::string& tenant) {
        return tenant == "fuzz" ? mcp::Handlers{&tools} : mcp::Handlers{};
      },
      mcp::SessionOptions(),
      [](const std::string&, nlohmann::json*) { return true; });
  if (absl::Status started = transport::transport->Start(); !started.ok()) {
    std::cerr << "http_fuzzer: " << started << "\n";
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mfgate::transport;
  const std::string initialized =
      Exchange(Post(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":)"
                    R"({"protocolVersion":"2025-06-18","capabilities":{},)"
                    R"("clientInfo":{"name":"fuzz","version":"1"}}})"),
               /*until_quiet=*/false);
  std::set<std::string> ids = SessionIds(initialized);
  // 429 is an answer too: sessions an input left behind (it never saw their
  // ids) count against the tenant's cap until they expire.
  const bool opened = absl::StartsWith(initialized, "HTTP/1.1 200");
  if ((!opened || ids.size() != 1) &&
      !absl::StartsWith(initialized, "HTTP/1.1 429")) {
    std::cerr << "http_fuzzer: the transport stopped serving:\n"
              << initialized << "\n";
    std::abort();
  }
  const std::string session = opened ? *ids.begin() : std::string("none");
  for (absl::string_view request : absl::StrSplit(
           absl::string_view(reinterpret_cast<const char*>(data), size),
           kSeparator)) {
    ids.merge(SessionIds(
        Exchange(Closing(absl::StrReplaceAll(request, {{"SESSION", session}})),
                 /*until_quiet=*/true)));
  }
  for (const std::string& id : ids) Exchange(Delete(id), /*until_quiet=*/false);
  return 0;
}
