#include "gateway/transport/http_transport.h"

#include <openssl/rand.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/loopback.h"
#include "gateway/mcp/tasks.h"
#include "gateway/transport/http_replies.h"
#include "httplib.h"

namespace mfgate::transport {
namespace {

using internal::Reply;
using internal::ReplyError;
using internal::TooManyRequests;

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
  TooManyRequests(res, wait, "Too Many Requests: retry later");
  return false;
}

// Routes answered on the listener's own thread (cheap, never blocking) and
// those that hold their thread for an event stream; all others are requests.
struct LaneRoute {
  const char* method;
  const char* path;
  HttpListener::Lane lane;
};
// How often idle sessions and abandoned calls are looked for.
constexpr absl::Duration kSweepEvery = absl::Seconds(1);

constexpr LaneRoute kLaneRoutes[] = {
    {"GET", "/health", HttpListener::Lane::kInline},
    {"GET", "/ready", HttpListener::Lane::kInline},
    {"GET", "/sse", HttpListener::Lane::kStream},
    {"GET", "/mcp", HttpListener::Lane::kStream},
};

}  // namespace

// cpp-httplib's Server, answering requests HttpListener has read whole.
class HttpTransport::RequestServer final : public httplib::Server {
 public:
  // httplib reads svr_sock_ only to know whether it is shutting down
  // (INVALID_SOCKET ends its content providers: the event streams); this
  // server never binds or listens itself.
  RequestServer() { svr_sock_ = kServing; }

  // Answers the request read from `stream`; whether the connection may
  // carry another.
  bool Answer(httplib::Stream& stream, bool close) {
    bool closed = false;
    const bool ok = process_request(
        stream, close, closed,
        // The listener answered any Expect: 100-continue when it read the
        // request.
        [](httplib::Request& req) { req.headers.erase("Expect"); });
    return ok && !closed;
  }

  void EndStreams() { svr_sock_ = INVALID_SOCKET; }

 private:
  static constexpr socket_t kServing = 0;
};

HttpTransport::HttpTransport(HttpOptions options, const auth::ApiKeys* keys,
                             ProviderFor providers,
                             mcp::SessionOptions session_options,
                             ReadyCheck ready)
    : options_(std::move(options)),
      keys_(keys),
      providers_(std::move(providers)),
      session_options_(std::move(session_options)),
      ready_(std::move(ready)),
      server_(std::make_unique<RequestServer>()),
      tenant_rates_(options_.limits.requests_per_second, options_.limits.burst),
      auth_failures_(options_.limits.max_auth_failures, absl::Minutes(1),
                     kMaxTrackedAddresses),
      tokens_(options_.session_secret, options_.limits.session_lifetime),
      callers_(options_.session_secret),
      sessions_(options_.limits.max_sessions_per_tenant,
                options_.limits.idle_session_timeout,
                options_.limits.max_event_streams_per_tenant,
                options_.open_sessions) {
  // Kept-alive connections wait in the listener, not on a thread: a client
  // may send many requests on one.
  server_->set_keep_alive_max_count(1 << 30);
  server_->set_keep_alive_timeout(
      absl::ToInt64Seconds(options_.limits.keep_alive_idle));
  // Whatever a handler throws is answered as a JSON-RPC internal error, with
  // a body and without the exception's text.
  server_->set_exception_handler([](const httplib::Request& req,
                                    httplib::Response& res,
                                    std::exception_ptr thrown) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    LogError(absl::StrCat("HTTP ", req.method, " ", req.path,
                          " failed inside the gateway: ", what));
    res.headers.clear();
    ReplyError(res, 500, "Internal error");
  });
  // httplib's own error answers (a malformed request, an unknown path)
  // carry a JSON-RPC error body too.
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        ReplyError(res, res.status,
                   res.status == 500 ? std::string("Internal error")
                                     : absl::StrCat("HTTP error ", res.status));
        return httplib::Server::HandlerResponse::Handled;
      }));
  Routes();
}

HttpTransport::~HttpTransport() { Stop(); }

int HttpTransport::port() const {
  return listener_ == nullptr ? 0 : listener_->port();
}

HttpListener::Lane HttpTransport::LaneOf(const RequestHead& head) const {
  // A listen holds its thread as long as it stays open, like a GET stream
  // (its Mcp-Method header must agree with its body: mcp_headers.h).
  if (head.method == "POST" && head.path == "/mcp" &&
      head.mcp_method == "subscriptions/listen") {
    return HttpListener::Lane::kStream;
  }
  for (const LaneRoute& route : kLaneRoutes) {
    if (head.method == route.method && head.path == route.path) {
      return route.lane;
    }
  }
  return HttpListener::Lane::kRequest;
}

absl::Status HttpTransport::Start() {
  const config::Limits& limits = options_.limits;
  ListenerOptions listen;
  listen.host = options_.host;
  listen.port = options_.port;
  listen.tls_cert = options_.tls_cert;
  listen.tls_key = options_.tls_key;
  listen.max_connections = limits.max_connections;
  listen.request_threads = limits.http_threads;
  listen.max_queued_requests = limits.max_queued_requests;
  listen.stream_threads = limits.max_event_streams;
  listen.framer.max_header_bytes = limits.max_header_bytes;
  listen.framer.max_headers = limits.max_headers;
  listen.framer.max_body_bytes = limits.max_body_bytes;
  listen.max_buffered_bytes = limits.max_buffered_request_bytes;
  listen.request_read_timeout = limits.request_read_timeout;
  listen.keep_alive_idle = limits.keep_alive_idle;
  listen.send_timeout = limits.send_timeout;
  absl::StatusOr<std::unique_ptr<HttpListener>> listener = HttpListener::Start(
      listen, [this](const RequestHead& head) { return LaneOf(head); },
      [this](ConnectionStream& stream, bool close) {
        if (options_.requests_answered != nullptr) {
          options_.requests_answered->fetch_add(1, std::memory_order_relaxed);
        }
        return server_->Answer(stream, close);
      });
  if (!listener.ok()) return listener.status();
  listener_ = std::move(*listener);
  sweeper_ = std::thread([this] { Sweep(); });
  LogInfo(absl::StrCat(
      "serving MCP on ", options_.tls_cert.empty() ? "http" : "https", "://",
      options_.host, ":", listener_->port(), " (/mcp, /sse, /health)"));
  return absl::OkStatus();
}

void HttpTransport::Drain(absl::Time deadline) {
  draining_ = true;  // /ready says 503 from now on.
  if (listener_ != nullptr) listener_->StopAccepting();
  // Listens are no calls to finish: they end now, with their responses.
  EndListens(nullptr);
  // Tasks run apart from sessions, and no request may poll them from now
  // on: their calls are cancelled at once and what ended is dropped.
  mcp::TaskStore::Shared().CancelAll();
  // Calls in flight finish until the deadline, then are cancelled; Stop
  // then waits for their answers to be written.
  for (auto& session : sessions_.All()) session->Drain(deadline);
  // Every session is closed now: each stream writes what was queued on it
  // (the answers of the calls that finished) and then ends. Ending them
  // sooner would drop those answers.
  const absl::Time flushed_by =
      std::max(deadline, absl::Now()) + options_.limits.send_timeout;
  if (!AwaitStreamsEnded(flushed_by)) {
    LogWarning(
        "drain: event streams still open past the send timeout; "
        "ending them");
  }
  // The tasks' calls, cancelled above, use the tools, which go after this.
  if (!mcp::TaskStore::Shared().AwaitCallsEnded(flushed_by)) {
    LogWarning("drain: a cancelled task's call has not returned");
  }
  Stop();
}

void HttpTransport::StreamOpened() {
  absl::MutexLock lock(&streams_mu_);
  ++open_streams_;
}

void HttpTransport::StreamClosed() {
  absl::MutexLock lock(&streams_mu_);
  --open_streams_;
}

bool HttpTransport::AwaitStreamsEnded(absl::Time deadline) {
  absl::MutexLock lock(&streams_mu_);
  auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(streams_mu_) {
    return open_streams_ == 0;
  };
  return streams_mu_.AwaitWithDeadline(absl::Condition(&ended), deadline);
}

void HttpTransport::Stop() {
  if (!stop_sweeping_.HasBeenNotified()) stop_sweeping_.Notify();
  if (sweeper_.joinable()) sweeper_.join();
  server_->EndStreams();
  EndListens(nullptr);
  // Cancels running calls, ends event streams.
  for (auto& session : sessions_.TakeAll()) session->Close();
  if (listener_ != nullptr) listener_->Stop();
}

size_t HttpTransport::EndTenant(const std::string& tenant) {
  std::vector<std::shared_ptr<HttpSession>> ended =
      sessions_.TakeTenant(tenant);
  for (auto& session : ended) session->Close();
  EndListens(&tenant);
  return ended.size();
}

void HttpTransport::Sweep() {
  while (!stop_sweeping_.WaitForNotificationWithTimeout(kSweepEvery)) {
    const absl::Time now = absl::Now();
    for (auto& session : sessions_.Sweep(now)) session->Close();
    for (auto& session : sessions_.All()) session->ExpireDetached(now);
  }
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

std::shared_ptr<HttpSession> HttpTransport::NewSession(
    const std::string& tenant, httplib::Response& res) {
  mcp::Handlers handlers = providers_(tenant);
  if (handlers.tools == nullptr) {
    ReplyError(res, 500, "no tools for this tenant");
    return nullptr;
  }
  const std::string id = NewSessionId();
  auto session = std::make_shared<HttpSession>(
      id, tenant, handlers, OptionsFor(callers_.ForSession(id)));
  return AddSession(session, res) ? session : nullptr;
}

mcp::SessionOptions HttpTransport::OptionsFor(std::string caller) const {
  mcp::SessionOptions options = session_options_;
  options.caller = std::move(caller);
  return options;
}

bool HttpTransport::AddSession(const std::shared_ptr<HttpSession>& session,
                               httplib::Response& res) {
  std::shared_ptr<HttpSession> evicted;
  if (absl::Status added = sessions_.Add(session, &evicted); !added.ok()) {
    // AlreadyExists (a race to rebuild it) is the caller's to answer.
    if (!absl::IsAlreadyExists(added)) {
      TooManyRequests(res, SessionTable::kRetryAfter,
                      std::string(added.message()));
    }
    return false;
  }
  if (evicted != nullptr) {
    LogDebug(absl::StrCat("tenant ", session->tenant(),
                          ": evicted its least recently used idle session"));
    evicted->Close();
  }
  return true;
}

std::string HttpTransport::TokenFor(const HttpSession& session) {
  auth::SessionClaims claims;
  claims.session = session.id();
  claims.tenant = session.tenant();
  claims.protocol_version = session.protocol_version();
  if (claims.protocol_version.empty()) return "";
  claims.capabilities = session.client_capabilities();
  return tokens_.Issue(&claims);
}

std::shared_ptr<HttpSession> HttpTransport::FindSession(
    const std::string& token, const std::string& tenant,
    httplib::Response& res) {
  if (token.empty()) {
    ReplyError(res, 400, "Bad Request: missing Mcp-Session-Id header");
    return nullptr;
  }
  auto unknown = [&res]() -> std::shared_ptr<HttpSession> {
    ReplyError(res, 404, "Not Found: unknown or expired session");
    return nullptr;
  };
  const absl::Time now = absl::Now();
  absl::StatusOr<auth::SessionClaims> claims = tokens_.Verify(token, now);
  // Another tenant's session is reported as unknown, not as forbidden.
  if (!claims.ok() || claims->tenant != tenant ||
      revoked_.Revoked(claims->session, now)) {
    return unknown();
  }
  if (auto session = sessions_.Find(claims->session, tenant)) return session;
  // Initialized on another replica (or here, and since evicted or idle
  // past its time): rebuilt from what the token carries.
  bool known_version = false;
  for (absl::string_view v : mcp::kProtocolVersions) {
    known_version = known_version || v == claims->protocol_version;
  }
  mcp::Handlers handlers = providers_(tenant);
  if (!known_version || handlers.tools == nullptr) return unknown();
  auto session = std::make_shared<HttpSession>(
      claims->session, tenant, handlers,
      OptionsFor(callers_.ForSession(claims->session)));
  session->Resume(claims->protocol_version, claims->capabilities);
  if (AddSession(session, res)) return session;
  if (res.status != -1) return nullptr;  // Answered: no room.
  // Another request rebuilt it first.
  if (auto found = sessions_.Find(claims->session, tenant)) return found;
  return unknown();
}

std::shared_ptr<HttpSession> HttpTransport::FindLegacySession(
    const std::string& id, const std::string& tenant, httplib::Response& res) {
  if (id.empty()) {
    ReplyError(res, 400, "Bad Request: missing session_id");
    return nullptr;
  }
  std::shared_ptr<HttpSession> session = sessions_.Find(id, tenant);
  if (session == nullptr) {
    ReplyError(res, 404, "Not Found: unknown or expired session");
  }
  return session;
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
        // From the state the gateway keeps: never a probe that waits (this
        // runs on the listener's own thread).
        nlohmann::json tenants = nlohmann::json::object();
        const bool ready = ready_(tenant, &tenants) && !draining_;
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
