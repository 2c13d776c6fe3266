#include "gateway/transport/mcp_headers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json_parse.h"
#include "gateway/mcp/stateless.h"

namespace mfgate::transport {
namespace {

using json = nlohmann::json;

// The methods whose Mcp-Name mirrors a param, and that param.
struct NamedMethod {
  absl::string_view method;
  const char* param;
};
// The tasks extension routes its methods by task id.
constexpr NamedMethod kNamedMethods[] = {
    {"tools/call", "name"},     {"prompts/get", "name"},
    {"resources/read", "uri"},  {"tasks/get", "taskId"},
    {"tasks/update", "taskId"}, {"tasks/cancel", "taskId"}};

constexpr absl::string_view kBase64Open = "=?base64?";
constexpr absl::string_view kBase64Close = "?=";

json Mismatch(const mcp::Message& request, const std::string& why) {
  return mcp::MakeError(request.id, mcp::kHeaderMismatch,
                        absl::StrCat("Header mismatch: ", why));
}

// Visible ASCII, spaces and tabs only (RFC 9110 field values, no obs-text).
bool ValidChars(absl::string_view value) {
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!(u == '\t' || (u >= 0x20 && u < 0x7f))) return false;
  }
  return true;
}

// The value with optional whitespace trimmed and the Base64 sentinel form
// decoded; nullopt when malformed.
std::optional<std::string> Decode(absl::string_view raw, bool may_encode) {
  if (!ValidChars(raw)) return std::nullopt;
  std::string value(absl::StripAsciiWhitespace(raw));
  if (!may_encode || !absl::StartsWith(value, kBase64Open) ||
      !absl::EndsWith(value, kBase64Close) ||
      value.size() < kBase64Open.size() + kBase64Close.size()) {
    return value;
  }
  std::string decoded;
  absl::string_view body = absl::string_view(value).substr(
      kBase64Open.size(),
      value.size() - kBase64Open.size() - kBase64Close.size());
  if (!absl::Base64Unescape(body, &decoded)) return std::nullopt;
  return decoded;
}

}  // namespace

std::optional<json> CheckModernHeaders(const mcp::Message& request,
                                       const HeaderSource& headers) {
  if (!headers.has(kVersionHeader)) {
    return Mismatch(request, "missing MCP-Protocol-Version header");
  }
  std::optional<std::string> version =
      Decode(headers.get(kVersionHeader), false);
  if (!version.has_value()) {
    return Mismatch(request, "MCP-Protocol-Version has invalid characters");
  }
  const json& params = request.params;
  if (params.is_object() && params.contains("_meta") &&
      params["_meta"].is_object()) {
    auto asked = params["_meta"].find(mcp::kMetaProtocolVersion);
    if (asked != params["_meta"].end() && asked->is_string() &&
        asked->get_ref<const std::string&>() != *version) {
      return Mismatch(
          request, absl::StrCat("MCP-Protocol-Version header value '", *version,
                                "' does not match body value '",
                                asked->get_ref<const std::string&>(), "'"));
    }
  }
  if (!headers.has(kMethodHeader)) {
    return Mismatch(request, "missing Mcp-Method header");
  }
  std::optional<std::string> method = Decode(headers.get(kMethodHeader), false);
  if (!method.has_value() || *method != request.method) {
    return Mismatch(request,
                    absl::StrCat("Mcp-Method header value does not match body "
                                 "method '",
                                 request.method, "'"));
  }
  for (const NamedMethod& named : kNamedMethods) {
    if (named.method != request.method) continue;
    if (!params.is_object() || !params.contains(named.param) ||
        !params[named.param].is_string()) {
      break;  // The params check answers a missing name.
    }
    const std::string& body = params[named.param].get_ref<const std::string&>();
    if (!headers.has(kNameHeader)) {
      return Mismatch(request, "missing Mcp-Name header");
    }
    std::optional<std::string> name = Decode(headers.get(kNameHeader), true);
    if (!name.has_value() || *name != body) {
      return Mismatch(request,
                      absl::StrCat("Mcp-Name header value does not match body "
                                   "value '",
                                   body, "'"));
    }
  }
  return std::nullopt;
}

int ModernHttpStatus(absl::string_view response) {
  // Responses are written with sorted keys: an error's text opens with it.
  if (!absl::StartsWith(response, "{\"error\":")) return 200;
  absl::StatusOr<json> parsed =
      ParseJson(response, JsonLimits{response.size() + 1});
  if (!parsed.ok() || !parsed->contains("error") ||
      !(*parsed)["error"].contains("code") ||
      !(*parsed)["error"]["code"].is_number_integer()) {
    return 200;
  }
  switch ((*parsed)["error"]["code"].get<int>()) {
    case mcp::kMethodNotFound:
      return 404;
    case mcp::kHeaderMismatch:
    case mcp::kMissingClientCapability:
    case mcp::kUnsupportedProtocolVersion:
      return 400;
    default:
      return 200;
  }
}

}  // namespace mfgate::transport
