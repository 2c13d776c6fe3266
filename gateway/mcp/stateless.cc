#include "gateway/mcp/stateless.h"

#include "absl/strings/str_cat.h"
#include "gateway/mcp/session.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

constexpr absl::string_view kLogLevels[] = {"debug",   "info",     "notice",
                                            "warning", "error",    "critical",
                                            "alert",   "emergency"};

// Methods the modern revision removed: a modern request for one is
// answered as for an unknown method.
constexpr absl::string_view kRemovedMethods[] = {
    "initialize", "ping", "logging/setLevel", "resources/subscribe",
    "resources/unsubscribe"};

// Results that carry caching hints (the revision's cacheable results).
constexpr absl::string_view kCachedMethods[] = {
    "server/discover",          "tools/list",   "resources/list",
    "resources/templates/list", "prompts/list", "resources/read"};

const json* MetaOf(const Message& message) {
  if (!message.params.is_object()) return nullptr;
  auto meta = message.params.find("_meta");
  if (meta == message.params.end() || !meta->is_object()) return nullptr;
  return &*meta;
}

json Invalid(const Message& request, const std::string& why) {
  return MakeError(request.id, kInvalidParams,
                   absl::StrCat("Invalid params: ", why));
}

}  // namespace

bool IsModernVersion(absl::string_view version) {
  for (absl::string_view v : kModernVersions) {
    if (v == version) return true;
  }
  return false;
}

bool CarriesModernMeta(const Message& message) {
  const json* meta = MetaOf(message);
  return meta != nullptr && meta->contains(kMetaProtocolVersion);
}

std::variant<RequestContext, json> EstablishStateless(const Message& request) {
  const json* meta = MetaOf(request);
  if (meta == nullptr) {
    return Invalid(request,
                   absl::StrCat("\"_meta\" must be an object carrying \"",
                                kMetaProtocolVersion, "\" and \"",
                                kMetaClientCapabilities, "\""));
  }
  auto version = meta->find(kMetaProtocolVersion);
  if (version == meta->end() || !version->is_string()) {
    return Invalid(request, absl::StrCat("\"_meta.", kMetaProtocolVersion,
                                         "\" must be a string"));
  }
  auto capabilities = meta->find(kMetaClientCapabilities);
  if (capabilities == meta->end() || !capabilities->is_object()) {
    return Invalid(request, absl::StrCat("\"_meta.", kMetaClientCapabilities,
                                         "\" must be an object"));
  }
  const std::string& asked = version->get_ref<const std::string&>();
  if (!IsModernVersion(asked)) {
    return MakeError(
        request.id, kUnsupportedProtocolVersion, "Unsupported protocol version",
        json{{"supported", SupportedVersions()}, {"requested", asked}});
  }
  for (absl::string_view removed : kRemovedMethods) {
    if (removed == request.method) {
      return MakeError(request.id, kMethodNotFound,
                       absl::StrCat("Method not found: ", request.method,
                                    " (removed in ", asked, ")"));
    }
  }
  RequestContext context;
  context.version = asked;
  context.client_capabilities = *capabilities;
  context.stateless = true;
  context.method = request.method;
  auto level = meta->find(kMetaLogLevel);
  if (level != meta->end()) {
    context.log_level =
        level->is_string() ? LogLevelIndex(level->get_ref<const std::string&>())
                           : -1;
    if (context.log_level < 0) {
      return Invalid(request,
                     absl::StrCat("\"_meta.", kMetaLogLevel,
                                  "\" must be one of debug, info, notice, "
                                  "warning, error, critical, alert, "
                                  "emergency"));
    }
  }
  return context;
}

json SupportedVersions() {
  json versions = json::array();
  for (absl::string_view v : kModernVersions) versions.push_back(v);
  for (absl::string_view v : kProtocolVersions) versions.push_back(v);
  return versions;
}

json DiscoverResult(const ServerIdentity& identity, const json& capabilities) {
  json server_info{{"name", identity.name}, {"version", identity.version}};
  if (!identity.title.empty()) server_info["title"] = identity.title;
  if (!identity.description.empty())
    server_info["description"] = identity.description;
  json result{{"supportedVersions", SupportedVersions()},
              {"capabilities", capabilities},
              {"_meta", {{kMetaServerInfo, std::move(server_info)}}}};
  if (!identity.instructions.empty())
    result["instructions"] = identity.instructions;
  return result;
}

void DecorateModernResult(absl::string_view method, bool shared_view,
                          json* result) {
  if (!result->is_object()) return;
  if (!result->contains("resultType")) (*result)["resultType"] = "complete";
  if ((*result)["resultType"] != "complete") return;
  for (absl::string_view cached : kCachedMethods) {
    if (cached != method) continue;
    if (!result->contains("ttlMs")) (*result)["ttlMs"] = kCacheTtlMs;
    if (!result->contains("cacheScope")) {
      (*result)["cacheScope"] = shared_view ? "public" : "private";
    }
  }
}

int ModernErrorCode(int code) { return code == -32002 ? kInvalidParams : code; }

int LogLevelIndex(absl::string_view level) {
  for (int i = 0; i < 8; ++i) {
    if (kLogLevels[i] == level) return i;
  }
  return -1;
}

absl::string_view LogLevelName(int index) {
  return index >= 0 && index < 8 ? kLogLevels[index] : "";
}

}  // namespace mfgate::mcp
