// Session: one MCP session's protocol state machine, independent of the
// transport that carries it.
//
// A transport hands each incoming message to HandleText/Handle and gives the
// session an Outbox for what it sends (responses, notifications).
//
// Each request is served in a RequestContext (its revision, its client's
// capabilities), established one of two ways: a request that carries a
// modern protocol version in its _meta (2026-07-28) takes it from there, on
// its own (stateless.h: no handshake, nothing kept after its response, its
// results carry resultType and caching hints); any other takes the
// session's, which `initialize` negotiated (the older revisions). Both then
// go through one dispatch. The session
// answers `ping`,
// `tools/list` and `logging/setLevel` inline, and runs each `tools/call` on a
// thread of its own (unless its caller waits for it, see Handle) so that it
// keeps reading — a `notifications/cancelled`
// for a running call cancels that call's CancellationToken, and the call's
// response is then never sent (as the specification requires).
//
// Every request's params are type-checked (params.h) before a handler reads
// them: a wrong type gets -32602 naming the field. Handling a message, and
// each tool call's task, runs inside a catch-all: an exception is logged and
// its request answered -32603 "Internal error"; nothing escapes a thread and
// no request is left running.
//
// JSON-RPC batches (a JSON array of messages) are served where the
// negotiated revision has them, 2025-03-26 (it added them; 2025-06-18 removed
// them): the batch's responses go out together as one JSON array, in the
// order of its requests, once every request is answered. Elsewhere a batch
// is one -32600 error.
//
// Thread-safe. The Outbox may be called from any thread, one call at a time
// per message; the transport serializes writes. Close() (or the destructor)
// cancels running calls and waits for them.
#ifndef MFGATE_GATEWAY_MCP_SESSION_H_
#define MFGATE_GATEWAY_MCP_SESSION_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/mcp/client_requests.h"
#include "gateway/mcp/jsonrpc.h"
#include "gateway/mcp/listen.h"
#include "gateway/mcp/providers.h"
#include "gateway/mcp/stateless.h"
#include "gateway/mcp/tasks.h"
#include "gateway/mcp/tool_provider.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

// Protocol revisions this server speaks with a session (`initialize`),
// newest first; the modern ones, served statelessly, are in stateless.h.
inline constexpr absl::string_view kProtocolVersions[] = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
// The one revision with JSON-RPC batches.
inline constexpr absl::string_view kBatchRevision = "2025-03-26";

struct SessionOptions {
  std::string server_name = "mfgate";
  std::string server_title = "mfgate: MetricFlow semantic layer";
  std::string server_version;
  std::string instructions;
  // What the server is, for server/discover.
  std::string description;
  // Serves every request statelessly (stateless.h), as a session that
  // exists for one HTTP request does: nothing establishes a session.
  bool stateless_only = false;
  // Whether every caller of this server sees the same tools, prompts and
  // resources (no keys: one tenant for all): modern list and read results
  // may then be kept by caches shared between callers (cacheScope
  // "public"); else only per caller ("private").
  bool shared_view = false;
  // Tool calls running at once; more are answered with kServerBusy.
  int max_concurrent_calls = 16;
  // The opaque name the session's tool calls give the worker as their
  // caller (tool_provider.h); empty: none.
  std::string caller;
};

// One message the session sends, serialized once: transports write `text`
// as it is and share it (HTTP keeps it for replay).
struct Outgoing {
  // The message's JSON text; null when request `related` ended without a
  // response (it was cancelled), or a batch (`related`: its BatchId) ended
  // with no response at all. Transports that do not track requests ignore
  // those.
  std::shared_ptr<const std::string> text;
  // Whether the message is a response, and the id it answers; a batch's
  // responses (a JSON array) answer the batch's BatchId.
  bool is_response = false;
  nlohmann::json id;
  // The id of the client request the message belongs to (a response, or a
  // notification or request sent while serving it), or null; HTTP uses it
  // to pick the stream.
  nlohmann::json related;
  // A change notification (listen.h), sent on the change feed's publishing
  // thread: the outbox must not wait to take it (it may drop it and end the
  // listen `related`, Session::EndListen).
  bool change = false;
};

// Receives every message the session sends.
using Outbox = std::function<void(const Outgoing& message)>;

// The id that a batch's response carries in Outgoing: the JSON array of the
// ids of its items that get a response (its requests, and its invalid items,
// null ids included). Empty when no item gets a response (a batch of
// notifications), so none is sent.
nlohmann::json BatchId(const std::vector<Parsed>& batch);

class Session {
 public:
  // The handlers are not owned and must outlive the session.
  Session(Handlers handlers, SessionOptions options, Outbox outbox);
  Session(ToolProvider* tools, SessionOptions options, Outbox outbox)
      : Session(Handlers{tools}, std::move(options), std::move(outbox)) {}
  ~Session();

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Handles one text (a stdio line): a message, or a batch of them; a text
  // longer than `max_bytes` is refused (-32600).
  void HandleText(absl::string_view text, size_t max_bytes = kMaxMessageBytes);
  // `caller_waits`: the caller blocks until this request's response anyway
  // (an HTTP POST answered on a stream of its own). A tools/call that would
  // send nothing before its response (no progressToken, a brief and quiet tool)
  // then runs on the caller's thread instead of being handed to another.
  void Handle(const Message& message, bool caller_waits = false);

  // The -32600 error (null id) that answers a batch in this session, or
  // nullopt when its negotiated revision has batches (kBatchRevision).
  std::optional<nlohmann::json> BatchRefusal() const;
  // Handles the items of a batch (ParseMessages' items; BatchRefusal()
  // must be nullopt): their responses go out as one message (see BatchId).
  void HandleBatch(const std::vector<Parsed>& batch);

  // Cancels running calls and waits until they have finished.
  // Ends listen `id` as a cancellation does (no response is sent: the
  // transport sends the one that says why); false when it is not open.
  bool EndListen(const nlohmann::json& id) { return listens_.Cancel(id); }
  void Close();

  // Lets running calls finish until `deadline`, then closes.
  void Drain(absl::Time deadline);

  // The negotiated protocol version; empty before `initialize`.
  std::string protocol_version() const;
  // The capabilities the client declared at `initialize`.
  nlohmann::json client_capabilities() const;
  // Takes up a session initialized elsewhere (another gateway replica) as
  // if `initialize` had negotiated `protocol_version` with a client that
  // declared `capabilities`; called before the session handles anything.
  void Resume(const std::string& protocol_version,
              const nlohmann::json& capabilities);

  // Sends notifications/message when `level` is at or above the level the
  // client set with logging/setLevel (info until it sets one).
  void Log(absl::string_view level, const nlohmann::json& data,
           const nlohmann::json& related = nullptr);

 private:
  // A batch being answered (session_batch.cc).
  struct Batch;

  // Serializes and sends `message`; a null message says request `related`
  // ended without a response.
  void Send(const nlohmann::json& message,
            const nlohmann::json& related = nullptr, bool change = false);
  // Sends the response to tool call `id`, splicing a serialized result in.
  void SendToolResponse(const nlohmann::json& id, const ToolResult& result);
  // Hands `out` to the outbox, or to the batch its request belongs to.
  void Deliver(Outgoing out);
  // Registers request `item` as `slot` of `batch`, counting it in
  // `pending` (the batch's count, guarded by the batch's mutex, which the
  // caller holds); or returns the error that answers it in its place (it is
  // invalid, initialize, or its id is taken).
  std::optional<nlohmann::json> Admit(const Parsed& item,
                                      const std::shared_ptr<Batch>& batch,
                                      size_t slot, int* pending)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores one answer of `batch` (none when `slot` is npos) and sends the
  // batch's response once its last answer is in.
  void Settle(const std::shared_ptr<Batch>& batch, size_t slot,
              std::shared_ptr<const std::string> text);
  // Logs why handling `message` failed and answers a request -32603.
  void Fail(const Message& message, absl::string_view why);
  void Dispatch(const Message& message, bool caller_waits);
  void HandleRequest(const Message& request, bool caller_waits);
  // Revisions (session_revision.cc): ServeStateless, SessionContext,
  // Capabilities, ModernContext, Initialize.
  // Establishes a modern request's context from its _meta (stateless.h)
  // and serves it, or answers the error that refuses it.
  void ServeStateless(const Message& request, bool caller_waits);
  // The context `initialize` negotiated.
  RequestContext SessionContext() const;
  // The one dispatch of a request whose params were checked, in `context`.
  void Serve(const Message& request, const RequestContext& context,
             bool caller_waits);
  // What the server offers to a client of revision `version`.
  nlohmann::json Capabilities(const std::string& version) const;
  // The context of modern request `related` while it is served; nullopt
  // for a request of the session.
  std::optional<RequestContext> ModernContext(
      const nlohmann::json& related) const;
  // resources/*, prompts/*, completion/complete (session_catalog.cc); false
  // when `request` is none of them.
  bool HandleCatalogRequest(const Message& request,
                            const RequestContext& context);
  // prompts/get, in one round or several (session_catalog.cc).
  void GetPrompt(const Message& request, const RequestContext& context);
  void HandleNotification(const Message& notification);
  nlohmann::json Initialize(const nlohmann::json& params);
  // Sends this session (of an older revision) the changes of what it
  // serves, with the resources it subscribed to (Listens::Follow).
  void FollowChanges();
  // tools/call (session_tools.cc).
  void StartToolCall(const Message& request, const RequestContext& context,
                     bool caller_waits);
  // Runs one tool call and answers it; never throws.
  void RunToolCall(const nlohmann::json& id, const std::string& name,
                   const nlohmann::json& arguments,
                   const nlohmann::json& progress_token,
                   const std::shared_ptr<CancellationToken>& token,
                   const RequestContext& context);
  // Tasks (session_tasks.cc): whether requests of `context` may use them;
  // who owns the tasks they create; tools/list's execution.taskSupport.
  bool TasksEnabled(const RequestContext& context) const;
  TaskOwner TaskOwnerOf(const RequestContext& context) const;
  void AddTaskSupport(const RequestContext& context,
                      nlohmann::json* tools) const;
  // Runs tools/call `request` as a task when its client asked for one and
  // answers it (true); false when it runs as a call. `context` holds the
  // request's round (its answers and state), which the task's call starts
  // with.
  bool StartTask(const Message& request, const RequestContext& context,
                 const std::string& name, const nlohmann::json& arguments);
  // tasks/*; false when `request` is none of this revision's.
  bool HandleTaskRequest(const Message& request, const RequestContext& context);
  // Answers tasks/result `id` once the task has ended.
  void AwaitTaskResult(const nlohmann::json& id, const TaskOwner& owner,
                       const std::string& task_id);
  // Counts request `id` (under `key`) as a running call with `token`; false
  // when it is refused (its id in use, too many calls): the refusal is sent
  // (none for a closed session).
  bool BeginCall(const nlohmann::json& id, const std::string& key,
                 const std::shared_ptr<CancellationToken>& token);
  // Forgets running call `key` if it is still the one of `token`.
  void EndToolCall(const std::string& key,
                   const std::shared_ptr<CancellationToken>& token);

  const Handlers handlers_;
  ToolProvider* const tools_;
  const SessionOptions options_;
  const Outbox outbox_;

  mutable absl::Mutex mu_;
  std::string version_ ABSL_GUARDED_BY(mu_);
  nlohmann::json client_capabilities_ ABSL_GUARDED_BY(mu_) =
      nlohmann::json::object();
  // At most kMaxSubscriptions (session_catalog.cc).
  std::set<std::string> subscriptions_ ABSL_GUARDED_BY(mu_);
  // Index in the level list; until the client sets one, info and above.
  int log_level_ ABSL_GUARDED_BY(mu_) = 1;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Running tool calls by request id key.
  std::map<std::string, std::shared_ptr<CancellationToken>> running_
      ABSL_GUARDED_BY(mu_);
  // Requests of batches still being answered, by request id key: the batch
  // and the request's place in it.
  std::map<std::string, std::pair<std::shared_ptr<Batch>, size_t>> batched_
      ABSL_GUARDED_BY(mu_);
  // Modern requests being served, by request id key: their contexts (for
  // their results, logs and tool calls). At most one per request running.
  std::map<std::string, RequestContext> modern_ ABSL_GUARDED_BY(mu_);
  ClientRequests client_requests_;
  // Open subscriptions/listen requests (listen.h).
  Listens listens_;
  // This session's identity for the tasks it creates (tasks.h).
  const std::shared_ptr<const int> task_scope_ = std::make_shared<const int>(0);
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_SESSION_H_
