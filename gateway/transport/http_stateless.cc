// HttpTransport's stateless stage: a modern (2026-07-28) request POSTed
// without a session. Its headers are checked against its body
// (mcp_headers.h; for tools/call, the Mcp-Param-* headers its tool's
// inputSchema declares too), its _meta establishes its context
// (mcp/stateless.h), and it is served by a session that exists for this one
// request — registered nowhere, so it takes no session slot and any replica can
// serve it — and ends with its response.
#include <memory>
#include <string>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gateway/mcp/stateless.h"
#include "gateway/transport/http_replies.h"
#include "gateway/transport/http_transport.h"
#include "gateway/transport/mcp_headers.h"
#include "httplib.h"

namespace mfgate::transport {

using internal::Reply;
using internal::ReplyError;
using json = nlohmann::json;

bool HttpTransport::IsStatelessPost(const mcp::Message& message,
                                    const std::string& version_header) {
  if (message.kind != mcp::Message::Kind::kRequest) return false;
  if (mcp::CarriesModernMeta(message)) return true;
  // An older client opens with initialize, and names its revision on every
  // request after (2025-06-18 on); a request that does neither is modern.
  if (message.method == "initialize") return false;
  for (absl::string_view legacy : mcp::kProtocolVersions) {
    if (legacy == version_header) return false;
  }
  return true;
}

void HttpTransport::HandleStatelessPost(const std::string& tenant,
                                        const mcp::Message& message,
                                        const httplib::Request& req,
                                        httplib::Response& res) {
  HeaderSource headers{
      [&req](const char* name) { return req.has_header(name); },
      [&req](const char* name) { return req.get_header_value(name); }};
  if (std::optional<json> mismatch = CheckModernHeaders(message, headers)) {
    Reply(res, 400, *mismatch);
    return;
  }
  // Refused before a session exists for it: invalid _meta, a version not
  // served, a removed method.
  if (auto established = mcp::EstablishStateless(message);
      std::holds_alternative<json>(established)) {
    const json& error = std::get<json>(established);
    Reply(res, error["error"]["code"] == mcp::kMethodNotFound ? 404 : 400,
          error);
    return;
  }
  mcp::Handlers handlers = providers_(tenant);
  if (handlers.tools == nullptr) {
    ReplyError(res, 500, "no tools for this tenant");
    return;
  }
  if (std::optional<json> mismatch =
          CheckToolParamHeaders(*handlers.tools, message, headers)) {
    Reply(res, 400, *mismatch);
    return;
  }
  // No session to name: the client is named by what it cannot choose
  // (caller_names.h).
  mcp::SessionOptions options =
      OptionsFor(callers_.ForClient(tenant, req.remote_addr));
  options.stateless_only = true;
  // Without keys every caller is the default tenant and sees the same;
  // with keys, what a caller sees depends on its key.
  options.shared_view = !keys_->enabled();
  auto session = std::make_shared<HttpSession>("", tenant, handlers, options);
  if (Connection* connection = CurrentConnection(); connection != nullptr) {
    connection->OnGone([session, id = message.id] { session->ClientGone(id); });
  }
  if (message.method == "subscriptions/listen") {
    StreamListen(session, tenant, message, req, res);
    return;
  }
  if (message.method == "tools/call" &&
      absl::StrContains(absl::AsciiStrToLower(req.get_header_value("Accept")),
                        "text/event-stream")) {
    StreamRequest(session, message, res, &ModernHttpStatus);
    return;
  }
  std::optional<std::string> response =
      session->Exchange(message, options_.response_timeout);
  session->Close();
  if (!response.has_value()) {
    res.status = 202;
    return;
  }
  res.status = ModernHttpStatus(*response);
  res.set_content(std::move(*response), "application/json");
}

std::optional<json> HttpTransport::CheckToolParamHeaders(
    const mcp::ToolProvider& tools, const mcp::Message& message,
    const HeaderSource& headers) {
  if (message.method != "tools/call" || !message.params.is_object()) {
    return std::nullopt;
  }
  auto name = message.params.find("name");
  if (name == message.params.end() || !name->is_string()) return std::nullopt;
  // A tool called by an alias tools/list does not show declares nothing a
  // client could have mirrored.
  for (const json& tool : tools.ListTools()) {
    if (tool.value("name", "") != *name) continue;
    return CheckParamHeaders(message, tool.value("inputSchema", json()),
                             headers);
  }
  return std::nullopt;
}

}  // namespace mfgate::transport
