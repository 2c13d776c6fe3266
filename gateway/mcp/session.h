// Session: one MCP session's protocol state machine, independent of the
// transport that carries it.
//
// A transport hands each incoming message to HandleText/Handle and gives the
// session an Outbox for what it sends (responses, notifications). The session
// negotiates the protocol version at `initialize`, answers `ping`,
// `tools/list` and `logging/setLevel` inline, and runs each `tools/call` on a
// thread of its own so that it keeps reading — a `notifications/cancelled`
// for a running call cancels that call's CancellationToken, and the call's
// response is then never sent (as the specification requires).
//
// Thread-safe. The Outbox may be called from any thread, one call at a time
// per message; the transport serializes writes. Close() (or the destructor)
// cancels running calls and waits for them.
#ifndef MFGATE_GATEWAY_MCP_SESSION_H_
#define MFGATE_GATEWAY_MCP_SESSION_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/mcp/jsonrpc.h"
#include "gateway/mcp/tool_provider.h"
#include "nlohmann/json.hpp"

namespace mfgate::mcp {

// Protocol revisions this server speaks, newest first.
inline constexpr absl::string_view kProtocolVersions[] = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

struct SessionOptions {
  std::string server_name = "mfgate";
  std::string server_title = "mfgate: MetricFlow semantic layer";
  std::string server_version;
  std::string instructions;
  // Tool calls running at once; more are answered with kServerBusy.
  int max_concurrent_calls = 16;
};

using Outbox = std::function<void(const nlohmann::json& message)>;

class Session {
 public:
  // `tools` is not owned and must outlive the session.
  Session(ToolProvider* tools, SessionOptions options, Outbox outbox);
  ~Session();

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Handles one message's text (a stdio line, an HTTP body).
  void HandleText(absl::string_view text);
  void Handle(const Message& message);

  // Cancels running calls and waits until they have finished.
  void Close();

  // Lets running calls finish until `deadline`, then closes.
  void Drain(absl::Time deadline);

  // The negotiated protocol version; empty before `initialize`.
  std::string protocol_version() const;

  // Sends notifications/message when `level` is at or above the level the
  // client set with logging/setLevel (nothing before it set one).
  void Log(absl::string_view level, const nlohmann::json& data);

 private:
  void Send(const nlohmann::json& message) { outbox_(message); }
  void HandleRequest(const Message& request);
  void HandleNotification(const Message& notification);
  nlohmann::json Initialize(const nlohmann::json& params);
  void StartToolCall(const Message& request);

  ToolProvider* const tools_;
  const SessionOptions options_;
  const Outbox outbox_;

  mutable absl::Mutex mu_;
  std::string version_ ABSL_GUARDED_BY(mu_);
  int log_level_ ABSL_GUARDED_BY(mu_) = -1;  // Index in the level list.
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Running tool calls by request id key.
  std::map<std::string, std::shared_ptr<CancellationToken>> running_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace mfgate::mcp

#endif  // MFGATE_GATEWAY_MCP_SESSION_H_
