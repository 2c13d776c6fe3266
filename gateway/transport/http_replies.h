// Small pieces of HTTP shared by the transport's files: JSON-RPC replies
// with an HTTP status, content negotiation, server-sent event framing.
// Internal to gateway/transport. Stateless; safe from any thread.
#ifndef MFGATE_GATEWAY_TRANSPORT_HTTP_REPLIES_H_
#define MFGATE_GATEWAY_TRANSPORT_HTTP_REPLIES_H_

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/json_text.h"
#include "gateway/mcp/jsonrpc.h"
#include "gateway/transport/http_session.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace mfgate::transport::internal {

inline void Reply(httplib::Response& res, int status,
                  const nlohmann::json& body) {
  res.status = status;
  res.set_content(JsonText(body), "application/json");
}

// The JSON-RPC error code of an HTTP error: a failure inside the gateway
// (500) is -32603, overload (429, 503) -32000, anything else the request's
// fault (-32600).
inline int ErrorCodeFor(int status) {
  if (status == 500) return mcp::kInternalError;
  if (status == 429 || status == 503) return mcp::kServerBusy;
  return mcp::kInvalidRequest;
}

// The JSON-RPC error body (id null) of an HTTP error.
inline std::string ErrorText(int status, const std::string& message) {
  return JsonText(mcp::MakeError(nullptr, ErrorCodeFor(status), message));
}

// A JSON-RPC error body (id null) with an HTTP status.
inline void ReplyError(httplib::Response& res, int status,
                       const std::string& message) {
  res.status = status;
  res.set_content(ErrorText(status, message), "application/json");
}

// 429 with Retry-After: `wait`, in whole seconds (at least one).
inline void TooManyRequests(httplib::Response& res, absl::Duration wait,
                            const std::string& message) {
  res.set_header(
      "Retry-After",
      std::to_string(std::max<int64_t>(
          1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))))));
  ReplyError(res, 429, message);
}

// Whether the request's Accept header admits `type` (absent admits all).
inline bool Accepts(const httplib::Request& req, absl::string_view type) {
  std::string accept = absl::AsciiStrToLower(req.get_header_value("Accept"));
  return accept.empty() || absl::StrContains(accept, type) ||
         absl::StrContains(accept, "*/*");
}

struct StatusText {
  int status;
  const char* text;
};
constexpr StatusText kStatusTexts[] = {
    {400, "Bad Request"},
    {408, "Request Timeout"},
    {413, "Payload Too Large"},
    {415, "Unsupported Media Type"},
    {431, "Request Header Fields Too Large"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
};

inline const char* TextOf(int status) {
  for (const StatusText& s : kStatusTexts) {
    if (s.status == status) return s.text;
  }
  return "Error";
}

// A whole response with a JSON-RPC error body, for the answers the
// listener gives itself (before any handler runs); its connection closes.
inline std::string RawResponse(int status, const std::string& reason,
                               bool retry_after) {
  const std::string body = ErrorText(status, reason);
  return absl::StrCat("HTTP/1.1 ", status, " ", TextOf(status),
                      "\r\nContent-Type: application/json\r\nContent-Length: ",
                      body.size(), "\r\nConnection: close\r\n",
                      retry_after ? "Retry-After: 1\r\n" : "", "\r\n", body);
}

inline std::string SseEvent(const StreamEvent& event) {
  return absl::StrCat("id: ", event.id, "\nevent: message\ndata: ", *event.data,
                      "\n\n");
}

}  // namespace mfgate::transport::internal

#endif  // MFGATE_GATEWAY_TRANSPORT_HTTP_REPLIES_H_
