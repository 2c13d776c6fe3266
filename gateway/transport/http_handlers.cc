// HttpTransport's endpoint handlers: Streamable HTTP (/mcp) and the legacy
// HTTP+SSE transport (/sse, /messages/), and the event streams they open.
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/transport/http_replies.h"
#include "gateway/transport/http_transport.h"
#include "gateway/transport/mcp_headers.h"
#include "httplib.h"

namespace mfgate::transport {
namespace {

using internal::Accepts;
using internal::Reply;
using internal::ReplyError;
using internal::SseEvent;
using internal::TooManyRequests;
using json = nlohmann::json;

constexpr char kSessionHeader[] = "Mcp-Session-Id";
// How often an idle event stream sends a keep-alive comment (which also
// notices a client that went away).
constexpr absl::Duration kKeepAlive = absl::Seconds(15);
// When a client should try again for events this replica cannot send.
constexpr absl::Duration kRetry = absl::Seconds(1);

// The last words of an event stream that ends while the client still
// wants it: when to try again.
void WriteRetryHint(httplib::DataSink& sink) {
  const std::string hint =
      absl::StrCat("retry: ", absl::ToInt64Milliseconds(kRetry), "\n\n");
  sink.write(hint.data(), hint.size());
}

}  // namespace

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
  mcp::Incoming incoming =
      mcp::ParseMessages(req.body, options_.limits.max_body_bytes);
  if (!incoming.batch && incoming.items.front().error_response.has_value()) {
    Reply(res, 400, *incoming.items.front().error_response);
    return;
  }
  const std::string version = req.get_header_value(kVersionHeader);
  // A modern request needs no session (http_stateless.cc); one that names a
  // session is served in it, whatever its revision.
  if (!incoming.batch && req.get_header_value(kSessionHeader).empty() &&
      IsStatelessPost(*incoming.items.front().message, version)) {
    HandleStatelessPost(tenant, *incoming.items.front().message, req, res);
    return;
  }
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
  if (incoming.batch) {
    // No batch can initialize (lifecycle): a batch needs its session.
    session = FindSession(id, tenant, res);
    if (session == nullptr) return;
    if (auto refusal = session->BatchRefusal(); refusal.has_value()) {
      Reply(res, 400, *refusal);
      return;
    }
    // A client that goes away cancels the batch's calls.
    if (Connection* connection = CurrentConnection(); connection != nullptr) {
      connection->OnGone([session, batch = mcp::BatchId(incoming.items)] {
        session->ClientGone(batch);
      });
    }
    // Answered as one JSON array; what its tool calls send before their
    // responses goes to the session's standalone stream.
    std::optional<std::string> responses =
        session->ExchangeBatch(incoming.items, options_.response_timeout);
    res.status = responses.has_value() ? 200 : 202;
    if (responses.has_value())
      res.set_content(std::move(*responses), "application/json");
    return;
  }
  const mcp::Message& message = *incoming.items.front().message;
  const bool initializing = message.kind == mcp::Message::Kind::kRequest &&
                            message.method == "initialize" && id.empty();
  if (initializing) {
    session = NewSession(tenant, res);
    if (session == nullptr) return;
  } else {
    session = FindSession(id, tenant, res);
    if (session == nullptr) return;
  }
  // A client that goes away cancels its call (HttpSession::ClientGone).
  if (Connection* connection = CurrentConnection();
      connection != nullptr && message.kind == mcp::Message::Kind::kRequest) {
    connection->OnGone([session, id = message.id] { session->ClientGone(id); });
  }
  // A tool call is answered as a stream, so that what the tool sends while it
  // runs (progress, logs, sampling and elicitation requests) reaches the
  // client (as plain JSON when it sends nothing before its response).
  if (message.kind == mcp::Message::Kind::kRequest &&
      message.method == "tools/call" &&
      absl::StrContains(absl::AsciiStrToLower(req.get_header_value("Accept")),
                        "text/event-stream")) {
    StreamRequest(session, message, res);
    return;
  }
  std::optional<std::string> response =
      session->Exchange(message, options_.response_timeout);
  if (initializing) {
    // The session's id is a token of what initialize negotiated; a failed
    // initialize leaves no session behind.
    if (const std::string token = TokenFor(*session); !token.empty()) {
      res.set_header(kSessionHeader, token);
    } else {
      sessions_.Remove(session->id());
      session->Close();
    }
  }
  if (!response.has_value()) {
    res.status = 202;
    return;
  }
  res.status = 200;
  res.set_content(std::move(*response), "application/json");
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
  if (!sessions_.OpenStream(tenant)) {
    TooManyRequests(res, SessionTable::kRetryAfter,
                    "Too Many Requests: this tenant has too many event streams "
                    "open");
    return;
  }
  if (!session->OpenStandaloneStream()) {
    sessions_.CloseStream(tenant);
    ReplyError(res, 409,
               "Conflict: this session's event stream is already open");
    return;
  }
  // A client that lost a stream asks for what it missed.
  std::string missed;
  if (req.has_header("Last-Event-ID")) {
    uint64_t last_event_id = 0;
    std::optional<std::vector<StreamEvent>> replay;
    if (absl::SimpleAtoi(req.get_header_value("Last-Event-ID"),
                         &last_event_id)) {
      replay = session->Replay(last_event_id);
    }
    if (!replay.has_value()) {
      // Those events are not here (another replica sent them, or they are
      // older than the history): the stream ends at once, with a hint to
      // retry (perhaps on the replica that has them) rather than go on
      // without them.
      sessions_.CloseStream(tenant);
      session->CloseStandaloneStream();
      res.status = 200;
      res.set_header("Cache-Control", "no-cache");
      res.set_content(absl::StrCat("retry: ", absl::ToInt64Milliseconds(kRetry),
                                   "\n: these events are not on this "
                                   "server\n\n"),
                      "text/event-stream");
      return;
    }
    for (const StreamEvent& event : *replay) {
      absl::StrAppend(&missed, SseEvent(event));
    }
  }
  StreamEvents(session, res, missed, /*owns_session=*/false);
}

void HttpTransport::HandleMcpDelete(const httplib::Request& req,
                                    httplib::Response& res) {
  std::string tenant;
  if (!Admit(req, res, &tenant)) return;
  const std::string token = req.get_header_value(kSessionHeader);
  std::shared_ptr<HttpSession> session = FindSession(token, tenant, res);
  if (session == nullptr) return;
  // Refused here from now on, and by the other replicas once the token
  // expires (they cannot be told: auth/session_token.h).
  if (auto claims = tokens_.Verify(token, absl::Now()); claims.ok()) {
    revoked_.Revoke(claims->session, claims->expires);
  }
  sessions_.Remove(session->id());
  session->Close();
  res.status = 200;
}

void HttpTransport::HandleSseGet(const httplib::Request& req,
                                 httplib::Response& res) {
  std::string tenant;
  if (!Admit(req, res, &tenant)) return;
  if (!sessions_.OpenStream(tenant)) {
    TooManyRequests(res, SessionTable::kRetryAfter,
                    "Too Many Requests: this tenant has too many event streams "
                    "open");
    return;
  }
  std::shared_ptr<HttpSession> session = NewSession(tenant, res);
  if (session == nullptr) {
    sessions_.CloseStream(tenant);
    return;
  }
  session->OpenStandaloneStream();  // A new session's: never taken yet.
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
      FindLegacySession(req.get_param_value("session_id"), tenant, res);
  if (session == nullptr) return;
  mcp::Incoming incoming =
      mcp::ParseMessages(req.body, options_.limits.max_body_bytes);
  const mcp::Parsed& first = incoming.items.front();
  if (!incoming.batch && first.error_response.has_value()) {
    Reply(res, 400, *first.error_response);
    return;
  }
  if (!incoming.batch) {
    session->Post(*first.message);
  } else if (auto refusal = session->BatchRefusal(); refusal.has_value()) {
    Reply(res, 400, *refusal);
    return;
  } else {
    session->PostBatch(incoming.items);
  }
  res.status = 202;
  res.set_content("Accepted", "text/plain");
}

void HttpTransport::StreamRequest(std::shared_ptr<HttpSession> session,
                                  const mcp::Message& request,
                                  httplib::Response& res,
                                  int (*status_of)(absl::string_view),
                                  std::function<void()> on_closed) {
  std::shared_ptr<RequestStream> stream = session->Start(request);
  // A call whose first event is its response (nothing to stream before it)
  // is answered as one JSON body: one write instead of a chunked stream.
  std::optional<StreamEvent> first = stream->Next(kKeepAlive);
  if (first.has_value() && first->data != nullptr && stream->finished()) {
    res.status = status_of != nullptr ? status_of(*first->data) : 200;
    res.set_content(*first->data, "application/json");
    if (on_closed != nullptr) on_closed();
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  StreamOpened();
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, stream, pending = std::move(first)](
          size_t, httplib::DataSink& sink) mutable {
        std::optional<StreamEvent> event;
        if (pending.has_value()) {
          event = std::move(pending);
          pending.reset();
        } else if (stream->finished()) {
          sink.done();
          return true;
        } else {
          event = stream->Next(kKeepAlive);
        }
        if (event.has_value() && event->data == nullptr) {  // Ended unanswered.
          // Cancelled by a drain: the client may ask another replica.
          if (draining_) WriteRetryHint(sink);
          sink.done();
          return true;
        }
        if (event.has_value()) stream->MarkDelivered();
        std::string text =
            event.has_value() ? SseEvent(*event) : ": keep-alive\n\n";
        return sink.write(text.data(), text.size());
      },
      [this, session, id = request.id,
       on_closed = std::move(on_closed)](bool success) {
        // The client went away mid-call (a write failed), or the stream
        // ended, perhaps before its call did (overrun).
        if (success) {
          session->StreamEnded(id);
        } else {
          session->ClientGone(id);
        }
        if (on_closed != nullptr) on_closed();
        StreamClosed();
      });
}

void HttpTransport::StreamEvents(std::shared_ptr<HttpSession> session,
                                 httplib::Response& res,
                                 std::string first_event, bool owns_session) {
  // A client that goes away ends its stream at once, not at the next
  // keep-alive write (MarkGone sets gone() before it runs the hooks, so a
  // wait that starts later sees it too).
  Connection* connection = CurrentConnection();
  if (connection != nullptr) {
    connection->OnGone([session] { session->WakeStreams(); });
  }
  res.set_header("Cache-Control", "no-cache");
  StreamOpened();
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, session, connection, pending = std::move(first_event)](
          size_t, httplib::DataSink& sink) mutable {
        if (!pending.empty()) {
          std::string event = std::move(pending);
          pending.clear();
          return sink.write(event.data(), event.size());
        }
        // Events queued before the session closed still go out (the
        // answers of calls a drain let finish), then the stream ends.
        auto gone = [connection] {
          return connection != nullptr && connection->gone();
        };
        std::optional<StreamEvent> next =
            session->NextStreamEvent(kKeepAlive, gone);
        if (!next.has_value() && session->standalone_overrun()) {
          // Its client read too slowly: it resumes from its last event.
          WriteRetryHint(sink);
          sink.done();
          return true;
        }
        if (!next.has_value() && (session->closed() || gone())) {
          // A drain closes it: the client reconnects (to another replica).
          if (draining_ && !gone()) WriteRetryHint(sink);
          sink.done();
          return true;
        }
        std::string event =
            next.has_value() ? SseEvent(*next) : ": keep-alive\n\n";
        return sink.write(event.data(), event.size());
      },
      [this, session, owns_session](bool) {
        sessions_.CloseStream(session->tenant());
        session->CloseStandaloneStream();
        // A legacy SSE session lives exactly as long as its stream: its
        // calls are cancelled with it.
        if (owns_session) {
          sessions_.Remove(session->id());
          session->Close();
        }
        StreamClosed();
      });
}

}  // namespace mfgate::transport
