#include "gateway/mcp/params.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mfgate::mcp {
namespace {

using json = nlohmann::json;

enum class Kind {
  kString,
  kObject,
  kId,       // A string or an integer: request ids, progress tokens.
  kStrings,  // An object whose values are strings (prompt arguments).
};

struct Field {
  const char* path;  // Dotted; a field's parent is listed before it.
  Kind kind;
  bool required;
};

struct MethodFields {
  absl::string_view method;
  std::vector<Field> fields;
};

// What MCP's schema says of each method's params (revision 2025-11-25, and
// the older ones, which differ only by fields added since).
const std::vector<MethodFields>& Table() {
  static const auto* table = new std::vector<MethodFields>{
      {"initialize",
       {{"protocolVersion", Kind::kString, false},
        {"capabilities", Kind::kObject, false},
        {"clientInfo", Kind::kObject, false},
        {"clientInfo.name", Kind::kString, false},
        {"clientInfo.version", Kind::kString, false}}},
      {"tools/list", {{"cursor", Kind::kString, false}}},
      {"resources/list", {{"cursor", Kind::kString, false}}},
      {"resources/templates/list", {{"cursor", Kind::kString, false}}},
      {"prompts/list", {{"cursor", Kind::kString, false}}},
      {"tools/call",
       {{"name", Kind::kString, true},
        {"arguments", Kind::kObject, false},
        {"task", Kind::kObject, false}}},
      {"tasks/get", {{"taskId", Kind::kString, true}}},
      {"tasks/result", {{"taskId", Kind::kString, true}}},
      {"tasks/cancel", {{"taskId", Kind::kString, true}}},
      {"tasks/update", {{"taskId", Kind::kString, true}}},
      {"tasks/list", {{"cursor", Kind::kString, false}}},
      {"resources/read", {{"uri", Kind::kString, true}}},
      {"resources/subscribe", {{"uri", Kind::kString, true}}},
      {"resources/unsubscribe", {{"uri", Kind::kString, true}}},
      {"prompts/get",
       {{"name", Kind::kString, true}, {"arguments", Kind::kStrings, false}}},
      {"completion/complete",
       {{"ref", Kind::kObject, true},
        {"ref.type", Kind::kString, true},
        {"ref.name", Kind::kString, false},
        {"ref.uri", Kind::kString, false},
        {"argument", Kind::kObject, true},
        {"argument.name", Kind::kString, true},
        {"argument.value", Kind::kString, true},
        {"context", Kind::kObject, false},
        {"context.arguments", Kind::kStrings, false}}},
      {"logging/setLevel", {{"level", Kind::kString, true}}},
      {"notifications/cancelled",
       {{"requestId", Kind::kId, true}, {"reason", Kind::kString, false}}},
  };
  return *table;
}

const Field kMeta[] = {{"_meta", Kind::kObject, false},
                       {"_meta.progressToken", Kind::kId, false}};

// The value at `path`, or nullptr when it (or a parent) is absent or null.
const json* Find(const json& params, const char* path) {
  const json* value = &params;
  for (absl::string_view key : absl::StrSplit(path, '.')) {
    if (!value->is_object()) return nullptr;
    auto found = value->find(key);
    if (found == value->end() || found->is_null()) return nullptr;
    value = &*found;
  }
  return value;
}

absl::Status Must(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", path, "\" must be ", what));
}

absl::Status Check(const json& params, const Field& field) {
  const json* value = Find(params, field.path);
  if (value == nullptr && !field.required) return absl::OkStatus();
  switch (field.kind) {
    case Kind::kString:
      if (value == nullptr || !value->is_string())
        return Must(field.path, "a string");
      break;
    case Kind::kObject:
      if (value == nullptr || !value->is_object())
        return Must(field.path, "an object");
      break;
    case Kind::kId:
      if (value == nullptr ||
          !(value->is_string() || value->is_number_integer())) {
        return Must(field.path, "a string or an integer");
      }
      break;
    case Kind::kStrings:
      if (value == nullptr || !value->is_object())
        return Must(field.path, "an object of strings");
      for (const auto& item : value->items()) {
        if (!item.value().is_string())
          return Must(absl::StrCat(field.path, ".", item.key()), "a string");
      }
      break;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckParams(absl::string_view method, const json& params) {
  if (!params.is_null() && !params.is_object())
    return Must("params", "an object");
  for (const Field& field : kMeta) {
    if (absl::Status s = Check(params, field); !s.ok()) return s;
  }
  for (const MethodFields& entry : Table()) {
    if (entry.method != method) continue;
    for (const Field& field : entry.fields) {
      if (absl::Status s = Check(params, field); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace mfgate::mcp
