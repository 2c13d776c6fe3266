#include "gateway/transport/http_transport.h"

#include <openssl/rand.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "httplib.h"

namespace mfgate::transport {
namespace {

using json = nlohmann::json;

constexpr char kSessionHeader[] = "Mcp-Session-Id";
constexpr char kVersionHeader[] = "MCP-Protocol-Version";
// How often an idle event stream sends a keep-alive comment (which also
// notices a client that went away).
constexpr absl::Duration kKeepAlive = absl::Seconds(15);

std::string NewSessionId() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof(bytes));
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(bytes), 16));
}

void Reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void ReplyError(httplib::Response& res, int status,
                const std::string& message) {
  Reply(res, status, mcp::MakeError(nullptr, mcp::kInvalidRequest, message));
}

// "localhost", "127.0.0.1" or "[::1]", with or without a port.
bool IsLoopbackHost(absl::string_view host) {
  if (absl::StartsWith(host, "[::1]")) return true;
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host == "127.0.0.1";
}

bool IsLoopbackOrigin(absl::string_view origin) {
  for (absl::string_view scheme : {"http://", "https://"}) {
    if (absl::ConsumePrefix(&origin, scheme)) return IsLoopbackHost(origin);
  }
  return false;
}

bool Accepts(const httplib::Request& req, absl::string_view type) {
  std::string accept = absl::AsciiStrToLower(req.get_header_value("Accept"));
  return accept.empty() || absl::StrContains(accept, type) ||
         absl::StrContains(accept, "*/*");
}

std::string SseEvent(const StreamEvent& event) {
  return absl::StrCat("id: ", event.id,
                      "\nevent: message\ndata: ", event.message.dump(), "\n\n");
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
  // Event streams hold a thread each.
  server_->new_task_queue = [] { return new httplib::ThreadPool(64); };
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
  if (IsLoopbackHost(options_.host) && req.has_header("Host") &&
      !IsLoopbackHost(req.get_header_value("Host"))) {
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
  }
  for (auto& session : expired) session->Close();
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
  server_->Get("/ready",
               [this](const httplib::Request& req, httplib::Response& res) {
                 std::string tenant;
                 if (!Admit(req, res, &tenant)) return;
                 bool ready = ready_();
                 Reply(res, ready ? 200 : 503, {{"ready", ready}});
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

void HttpTransport::HandleMcpPost(const httplib::Request& req,
                                  httplib::Response& res) {
  std::string tenant;
  if (!Admit(req, res, &tenant)) return;
  if (!absl::StrContains(
          absl::AsciiStrToLower(req.get_header_value("Content-Type")),
          "application/json")) {
    ReplyError(res, 415, "Unsupported Media Type: send application/json");
    return;
  }
  if (!Accepts(req, "application/json") || !Accepts(req, "text/event-stream")) {
    ReplyError(res, 406,
               "Not Acceptable: accept application/json and text/event-stream");
    return;
  }
  mcp::Parsed parsed = mcp::ParseMessage(req.body);
  if (parsed.error_response.has_value()) {
    Reply(res, 400, *parsed.error_response);
    return;
  }
  const mcp::Message& message = *parsed.message;
  const std::string version = req.get_header_value(kVersionHeader);
  if (!version.empty()) {
    bool known = false;
    for (absl::string_view v : mcp::kProtocolVersions)
      known = known || v == version;
    if (!known) {
      ReplyError(res, 400,
                 absl::StrCat("Bad Request: unsupported MCP-Protocol-Version ",
                              version));
      return;
    }
  }
  std::shared_ptr<HttpSession> session;
  const std::string id = req.get_header_value(kSessionHeader);
  if (message.kind == mcp::Message::Kind::kRequest &&
      message.method == "initialize" && id.empty()) {
    session = NewSession(tenant, res);
    if (session == nullptr) return;
    res.set_header(kSessionHeader, session->id());
  } else {
    session = FindSession(id, tenant, res);
    if (session == nullptr) return;
  }
  // A tool call is answered as a stream, so that what the tool sends while it
  // runs (progress, logs, sampling and elicitation requests) reaches the
  // client.
  if (message.kind == mcp::Message::Kind::kRequest &&
      message.method == "tools/call" &&
      absl::StrContains(absl::AsciiStrToLower(req.get_header_value("Accept")),
                        "text/event-stream")) {
    StreamRequest(session, message, res);
    return;
  }
  std::optional<json> response =
      session->Exchange(message, options_.response_timeout);
  if (!response.has_value()) {
    res.status = 202;
    return;
  }
  Reply(res, 200, *response);
}

void HttpTransport::HandleMcpGet(const httplib::Request& req,
                                 httplib::Response& res) {
  std::string tenant;
  if (!Admit(req, res, &tenant)) return;
  if (!Accepts(req, "text/event-stream")) {
    ReplyError(res, 406,
               "Not Acceptable: the event stream is text/event-stream");
    return;
  }
  std::shared_ptr<HttpSession> session =
      FindSession(req.get_header_value(kSessionHeader), tenant, res);
  if (session == nullptr) return;
  if (!session->OpenStandaloneStream()) {
    ReplyError(res, 409,
               "Conflict: this session's event stream is already open");
    return;
  }
  // A client that lost a stream asks for what it missed.
  std::string missed;
  uint64_t last_event_id = 0;
  if (absl::SimpleAtoi(req.get_header_value("Last-Event-ID"), &last_event_id)) {
    for (const StreamEvent& event : session->Replay(last_event_id)) {
      absl::StrAppend(&missed, SseEvent(event));
    }
  }
  StreamEvents(session, res, missed, /*owns_session=*/false);
}

void HttpTransport::HandleMcpDelete(const httplib::Request& req,
                                    httplib::Response& res) {
  std::string tenant;
  if (!Admit(req, res, &tenant)) return;
  std::shared_ptr<HttpSession> session =
      FindSession(req.get_header_value(kSessionHeader), tenant, res);
  if (session == nullptr) return;
  {
    absl::MutexLock lock(&mu_);
    sessions_.erase(session->id());
  }
  session->Close();
  res.status = 200;
}

void HttpTransport::HandleSseGet(const httplib::Request& req,
                                 httplib::Response& res) {
  std::string tenant;
  if (!Admit(req, res, &tenant)) return;
  std::shared_ptr<HttpSession> session = NewSession(tenant, res);
  if (session == nullptr) return;
  StreamEvents(session, res,
               absl::StrCat("event: endpoint\ndata: /messages/?session_id=",
                            session->id(), "\n\n"),
               /*owns_session=*/true);
}

void HttpTransport::HandleSsePost(const httplib::Request& req,
                                  httplib::Response& res) {
  std::string tenant;
  if (!Admit(req, res, &tenant)) return;
  std::shared_ptr<HttpSession> session =
      FindSession(req.get_param_value("session_id"), tenant, res);
  if (session == nullptr) return;
  mcp::Parsed parsed = mcp::ParseMessage(req.body);
  if (parsed.error_response.has_value()) {
    Reply(res, 400, *parsed.error_response);
    return;
  }
  session->Post(*parsed.message);
  res.status = 202;
  res.set_content("Accepted", "text/plain");
}

void HttpTransport::StreamRequest(std::shared_ptr<HttpSession> session,
                                  const mcp::Message& request,
                                  httplib::Response& res) {
  std::shared_ptr<RequestStream> stream = session->Start(request);
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [stream](size_t, httplib::DataSink& sink) {
        if (stream->finished()) {
          sink.done();
          return true;
        }
        std::optional<StreamEvent> event = stream->Next(kKeepAlive);
        if (event.has_value() &&
            event->message.is_null()) {  // Ended unanswered.
          sink.done();
          return true;
        }
        std::string text =
            event.has_value() ? SseEvent(*event) : ": keep-alive\n\n";
        return sink.write(text.data(), text.size());
      },
      [session, id = request.id](bool success) {
        // The client went away mid-call: what remains goes to the session's
        // standalone stream, where a reconnecting client finds it.
        if (!success) session->Detach(id);
      });
}

void HttpTransport::StreamEvents(std::shared_ptr<HttpSession> session,
                                 httplib::Response& res,
                                 std::string first_event, bool owns_session) {
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [session, pending = std::move(first_event)](
          size_t, httplib::DataSink& sink) mutable {
        if (!pending.empty()) {
          std::string event = std::move(pending);
          pending.clear();
          return sink.write(event.data(), event.size());
        }
        if (session->closed()) {
          sink.done();
          return true;
        }
        std::optional<StreamEvent> next = session->NextStreamEvent(kKeepAlive);
        std::string event =
            next.has_value() ? SseEvent(*next) : ": keep-alive\n\n";
        return sink.write(event.data(), event.size());
      },
      [this, session, owns_session](bool) {
        // A legacy SSE session lives exactly as long as its stream.
        if (!owns_session) {
          session->CloseStandaloneStream();
          return;
        }
        session->Close();
        absl::MutexLock lock(&mu_);
        sessions_.erase(session->id());
      });
}

}  // namespace mfgate::transport
