#include "gateway/transport/mcp_headers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

// Whether `body` is canonical Base64 (RFC 4648 section 4): the standard
// alphabet, padded to a multiple of four, `=` only as padding.
bool CanonicalBase64(absl::string_view body) {
  if (body.size() % 4 != 0) return false;
  size_t padding = 0;
  while (padding < 2 && padding < body.size() &&
         body[body.size() - 1 - padding] == '=') {
    ++padding;
  }
  for (size_t i = 0; i + padding < body.size(); ++i) {
    char c = body[i];
    if (!(absl::ascii_isalnum(c) || c == '+' || c == '/')) return false;
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
  if (!CanonicalBase64(body) || !absl::Base64Unescape(body, &decoded)) {
    return std::nullopt;
  }
  return decoded;
}

// RFC 9110 tchar.
bool TokenChars(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && !absl::StrContains("!#$%&'*+-.^_`|~", c)) {
      return false;
    }
  }
  return true;
}

constexpr absl::string_view kHeaderTypes[] = {"integer", "string", "boolean"};

// Collects the x-mcp-header annotations of `schema`, at `path` from the
// root; `reachable` while every step so far was a `properties` key. Depth is
// bounded by the schema's own (parsed, hence bounded) depth.
absl::Status Collect(const json& schema, std::vector<std::string>* path,
                     bool reachable, std::vector<HeaderParam>* params) {
  if (schema.is_array()) {
    for (const json& item : schema) {
      absl::Status status = Collect(item, path, false, params);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  if (!schema.is_object()) return absl::OkStatus();
  const std::string where =
      path->empty() ? "the schema root" : absl::StrJoin(*path, ".");
  if (auto header = schema.find("x-mcp-header"); header != schema.end()) {
    if (!reachable || path->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "x-mcp-header at ", where, " is not reachable through properties"));
    }
    if (!header->is_string() ||
        !TokenChars(header->get_ref<const std::string&>())) {
      return absl::InvalidArgumentError(
          absl::StrCat("x-mcp-header of ", where, " is not an HTTP token"));
    }
    const json type = schema.value("type", json());
    bool primitive = false;
    for (absl::string_view allowed : kHeaderTypes) {
      primitive = primitive || (type.is_string() &&
                                type.get_ref<const std::string&>() == allowed);
    }
    if (!primitive) {
      return absl::InvalidArgumentError(absl::StrCat(
          "x-mcp-header of ", where, " is on a type other than integer, ",
          "string or boolean"));
    }
    std::string name = header->get<std::string>();
    for (const HeaderParam& other : *params) {
      if (absl::EqualsIgnoreCase(other.header, name)) {
        return absl::InvalidArgumentError(
            absl::StrCat("x-mcp-header \"", name, "\" is declared twice"));
      }
    }
    params->push_back({*path, std::move(name), type.get<std::string>()});
  }
  for (const auto& [key, value] : schema.items()) {
    if (key == "properties" && value.is_object()) {
      for (const auto& [property, sub] : value.items()) {
        path->push_back(property);
        absl::Status status = Collect(sub, path, reachable, params);
        path->pop_back();
        if (!status.ok()) return status;
      }
    } else if (value.is_structured()) {
      absl::Status status = Collect(value, path, false, params);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

// The value at `path` in `arguments`; null when absent.
json ValueAt(const json& arguments, const std::vector<std::string>& path) {
  const json* at = &arguments;
  for (const std::string& key : path) {
    if (!at->is_object()) return nullptr;
    auto found = at->find(key);
    if (found == at->end()) return nullptr;
    at = &*found;
  }
  return *at;
}

// Whether header value `text` (decoded) stands for body value `value`:
// numbers compare as numbers, booleans as true/false, strings as they are.
bool SameValue(const std::string& text, const json& value) {
  if (value.is_string()) return text == value.get_ref<const std::string&>();
  if (value.is_boolean()) return text == (value.get<bool>() ? "true" : "false");
  if (value.is_number()) {
    double parsed = 0;
    return absl::SimpleAtod(text, &parsed) && parsed == value.get<double>();
  }
  return false;
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

absl::StatusOr<std::vector<HeaderParam>> HeaderParams(
    const json& input_schema) {
  std::vector<HeaderParam> params;
  std::vector<std::string> path;
  absl::Status status = Collect(input_schema, &path, true, &params);
  if (!status.ok()) return status;
  return params;
}

std::optional<json> CheckParamHeaders(const mcp::Message& request,
                                      const json& input_schema,
                                      const HeaderSource& headers) {
  absl::StatusOr<std::vector<HeaderParam>> params = HeaderParams(input_schema);
  if (!params.ok()) return std::nullopt;
  const json arguments = request.params.is_object()
                             ? request.params.value("arguments", json())
                             : json();
  for (const HeaderParam& param : *params) {
    const std::string header = absl::StrCat("Mcp-Param-", param.header);
    const json value = ValueAt(arguments, param.path);
    if (value.is_null()) {
      if (headers.has(header.c_str())) {
        return Mismatch(request, absl::StrCat(header,
                                              " header given but the body "
                                              "has no value for ",
                                              absl::StrJoin(param.path, ".")));
      }
      continue;
    }
    if (!headers.has(header.c_str())) {
      return Mismatch(request, absl::StrCat("missing ", header, " header"));
    }
    std::optional<std::string> text = Decode(headers.get(header.c_str()), true);
    if (!text.has_value()) {
      return Mismatch(request,
                      absl::StrCat(header, " header value is malformed"));
    }
    if (!SameValue(*text, value)) {
      return Mismatch(request,
                      absl::StrCat(header,
                                   " header value does not match body value "
                                   "of ",
                                   absl::StrJoin(param.path, ".")));
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
