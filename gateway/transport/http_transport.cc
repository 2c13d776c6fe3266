#include "gateway/transport/http_transport.h"

#include <dirent.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <sys/socket.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/loopback.h"
#include "gateway/transport/http_replies.h"
#include "httplib.h"

namespace mfgate::transport {
namespace {

using internal::Reply;
using internal::ReplyError;

using json = nlohmann::json;

std::string NewSessionId() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof(bytes));
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(bytes), 16));
}

// Addresses whose failed authentications are remembered at most.
constexpr size_t kMaxTrackedAddresses = 10000;

// True when `wait` is zero; otherwise answers 429 with Retry-After.
bool Within(absl::Duration wait, httplib::Response& res) {
  if (wait <= absl::ZeroDuration()) return true;
  res.set_header(
      "Retry-After",
      std::to_string(std::max<int64_t>(
          1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))))));
  ReplyError(res, 429, "Too Many Requests: retry later");
  return false;
}

// cpp-httplib 0.11 listens with a backlog of 5: a burst of new clients then
// overflows the accept queue, and a client whose handshake the kernel dropped
// waits out its read timeout. Linux lets listen() be called again on a
// listening socket to change its backlog, so find ours (the listening socket
// bound to `port`) and raise it to the system's maximum.
void RaiseListenBacklog(int port) {
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return;
  while (dirent* entry = readdir(fds)) {
    int fd = atoi(entry->d_name);
    int listening = 0;
    socklen_t size = sizeof(listening);
    sockaddr_storage address{};
    socklen_t address_size = sizeof(address);
    if (fd <= 2 ||
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 ||
        !listening ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_size) !=
            0) {
      continue;
    }
    int bound = 0;
    if (address.ss_family == AF_INET) {
      bound = ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
    } else if (address.ss_family == AF_INET6) {
      bound = ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
    }
    if (bound == port) listen(fd, SOMAXCONN);
  }
  closedir(fds);
}

}  // namespace

HttpTransport::HttpTransport(HttpOptions options, const auth::ApiKeys* keys,
                             ProviderFor providers,
                             mcp::SessionOptions session_options,
                             ReadyCheck ready)
    : options_(std::move(options)),
      keys_(keys),
      providers_(std::move(providers)),
      session_options_(std::move(session_options)),
      ready_(std::move(ready)),
      server_(options_.tls_cert.empty()
                  ? std::make_unique<httplib::Server>()
                  : std::make_unique<httplib::SSLServer>(
                        options_.tls_cert.c_str(), options_.tls_key.c_str())),
      tenant_rates_(options_.requests_per_second, options_.burst),
      auth_failures_(options_.max_auth_failures, absl::Minutes(1),
                     kMaxTrackedAddresses) {
  // Event streams and kept-alive connections hold a thread each.
  server_->new_task_queue = [] { return new httplib::ThreadPool(128); };
  // Replies leave at once (no Nagle delay on small JSON answers), and a
  // client keeps its connection for many requests rather than reconnecting
  // every five (httplib's default), which overflows the listen queue under
  // load.
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(10000);
  server_->set_payload_max_length(options_.max_body_bytes);
  Routes();
}

HttpTransport::~HttpTransport() {
  Stop();
  absl::MutexLock lock(&mu_);
  for (auto& [id, session] : sessions_) session->Close();
}

int HttpTransport::port() const {
  absl::MutexLock lock(&mu_);
  return port_;
}

absl::Status HttpTransport::Run() {
  if (!server_->is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot use the TLS certificate '", options_.tls_cert, "' and key '",
        options_.tls_key, "' (unreadable, not PEM, or not a matching pair)"));
  }
  int bound =
      options_.port == 0
          ? server_->bind_to_any_port(options_.host)
          : (server_->bind_to_port(options_.host, options_.port) ? options_.port
                                                                 : -1);
  if (bound < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.host, ":", options_.port));
  }
  RaiseListenBacklog(bound);
  {
    absl::MutexLock lock(&mu_);
    port_ = bound;
  }
  LogInfo(absl::StrCat("serving MCP on ",
                       options_.tls_cert.empty() ? "http" : "https", "://",
                       options_.host, ":", bound, " (/mcp, /sse, /health)"));
  server_->listen_after_bind();
  return absl::OkStatus();
}

void HttpTransport::Stop() {
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, session] : sessions_) session->Close();  // Ends streams.
  }
  server_->stop();
}

bool HttpTransport::Admit(const httplib::Request& req, httplib::Response& res,
                          std::string* tenant) {
  const std::string origin = req.get_header_value("Origin");
  if (!origin.empty() && !IsLoopbackOrigin(origin)) {
    bool allowed = false;
    for (const std::string& o : options_.allowed_origins)
      allowed = allowed || o == origin;
    if (!allowed) {
      ReplyError(res, 403, "Forbidden: origin not allowed");
      return false;
    }
  }
  if (IsLoopbackAddress(options_.host) && req.has_header("Host") &&
      !IsLoopbackHostHeader(req.get_header_value("Host"))) {
    ReplyError(res, 403,
               "Forbidden: Host header does not name this loopback server");
    return false;
  }
  if (!keys_->enabled()) {
    *tenant = options_.default_tenant;
    return Within(tenant_rates_.Take(*tenant), res);
  }
  absl::StatusOr<std::string> who = keys_->Authenticate(
      req.get_header_value("Authorization"), req.get_header_value("X-API-Key"));
  if (!who.ok()) {
    // Only callers without a valid key are ever throttled.
    absl::Duration blocked = auth_failures_.Blocked(req.remote_addr);
    if (blocked > absl::ZeroDuration()) return Within(blocked, res);
    auth_failures_.Fail(req.remote_addr);
    res.set_header("WWW-Authenticate", "Bearer realm=\"mfgate\"");
    ReplyError(res, 401,
               absl::StrCat("Unauthorized: ", who.status().message()));
    return false;
  }
  *tenant = *who;
  return Within(tenant_rates_.Take(*tenant), res);
}

void HttpTransport::ExpireIdleSessions() {
  std::vector<std::shared_ptr<HttpSession>> expired;
  {
    absl::MutexLock lock(&mu_);
    absl::Time cutoff = absl::Now() - options_.idle_session_timeout;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second->closed() || it->second->last_used() < cutoff) {
        expired.push_back(it->second);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
    SessionsChanged();
  }
  for (auto& session : expired) session->Close();
}

void HttpTransport::SessionsChanged() {
  if (options_.open_sessions != nullptr) {
    options_.open_sessions->store(static_cast<int64_t>(sessions_.size()));
  }
}

std::shared_ptr<HttpSession> HttpTransport::NewSession(
    const std::string& tenant, httplib::Response& res) {
  ExpireIdleSessions();
  mcp::Handlers handlers = providers_(tenant);
  if (handlers.tools == nullptr) {
    ReplyError(res, 500, "no tools for this tenant");
    return nullptr;
  }
  absl::MutexLock lock(&mu_);
  int count = 0;
  for (auto& [id, session] : sessions_) count += session->tenant() == tenant;
  if (count >= options_.max_sessions_per_tenant) {
    res.set_header("Retry-After", "60");
    ReplyError(res, 429,
               absl::StrCat("Too Many Requests: this tenant already has ",
                            count, " sessions (limit ",
                            options_.max_sessions_per_tenant, ")"));
    return nullptr;
  }
  auto session = std::make_shared<HttpSession>(NewSessionId(), tenant, handlers,
                                               session_options_);
  sessions_[session->id()] = session;
  SessionsChanged();
  return session;
}

std::shared_ptr<HttpSession> HttpTransport::FindSession(
    const std::string& id, const std::string& tenant, httplib::Response& res) {
  if (id.empty()) {
    ReplyError(res, 400, "Bad Request: missing Mcp-Session-Id header");
    return nullptr;
  }
  absl::MutexLock lock(&mu_);
  auto found = sessions_.find(id);
  // Another tenant's session is reported as unknown, not as forbidden.
  if (found == sessions_.end() || found->second->closed() ||
      found->second->tenant() != tenant) {
    ReplyError(res, 404, "Not Found: unknown or expired session");
    return nullptr;
  }
  return found->second;
}

void HttpTransport::Routes() {
  server_->Get("/health", [](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200,
          {{"status", "healthy"}, {"message", "MCP server is running"}});
  });
  server_->Get(
      "/ready", [this](const httplib::Request& req, httplib::Response& res) {
        std::string tenant;
        if (!Admit(req, res, &tenant)) return;
        nlohmann::json tenants = nlohmann::json::object();
        bool ready = ready_(tenant, &tenants);
        Reply(res, ready ? 200 : 503, {{"ready", ready}, {"tenants", tenants}});
      });
  server_->Post(
      "/mcp", [this](const auto& req, auto& res) { HandleMcpPost(req, res); });
  server_->Get("/mcp",
               [this](const auto& req, auto& res) { HandleMcpGet(req, res); });
  server_->Delete("/mcp", [this](const auto& req, auto& res) {
    HandleMcpDelete(req, res);
  });
  auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "GET, POST, DELETE");
    ReplyError(res, 405, "Method Not Allowed");
  };
  server_->Put("/mcp", not_allowed);
  server_->Patch("/mcp", not_allowed);
  server_->Get("/sse",
               [this](const auto& req, auto& res) { HandleSseGet(req, res); });
  server_->Post("/messages/", [this](const auto& req, auto& res) {
    HandleSsePost(req, res);
  });
  server_->Post("/messages", [this](const auto& req, auto& res) {
    HandleSsePost(req, res);
  });
}

}  // namespace mfgate::transport
