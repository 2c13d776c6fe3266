#include "gateway/transport/http_transport.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "gateway/mcp/tasks.h"
#include "gateway/transport/http_replies.h"
#include "httplib.h"

namespace mfgate::transport {
namespace {

using internal::Reply;
using internal::ReplyError;

// Addresses whose failed authentications are remembered at most.
constexpr size_t kMaxTrackedAddresses = 10000;

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
