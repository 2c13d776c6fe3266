#include "gateway/tools/refusal.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/field_error.h"

namespace mfgate::tools {
namespace {

// Payload type URL; private to this file.
constexpr char kFixUrl[] = "type.mfgate.dev/fix";

}  // namespace

absl::Status WithFix(absl::Status status, const Fix& fix) {
  if (status.ok()) return status;
  nlohmann::json payload{{"set", fix.set}, {"drop", fix.drop}};
  status.SetPayload(kFixUrl, absl::Cord(payload.dump()));
  return status;
}

std::optional<Fix> FixOf(const absl::Status& status) {
  auto payload = status.GetPayload(kFixUrl);
  if (!payload.has_value()) return std::nullopt;
  // Written by WithFix alone, in this process.
  nlohmann::json parsed =
      nlohmann::json::parse(std::string(*payload), nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  Fix fix;
  fix.set = parsed.value("set", nlohmann::json::object());
  for (const auto& name : parsed.value("drop", nlohmann::json::array())) {
    if (name.is_string()) fix.drop.push_back(name.get<std::string>());
  }
  return fix;
}

absl::Status Refuse(absl::string_view field, absl::string_view message,
                    absl::string_view argument, nlohmann::json value) {
  Fix fix;
  fix.set[std::string(argument)] = std::move(value);
  return WithFix(FieldError(field, message), fix);
}

std::string MessageWithoutField(const absl::Status& status) {
  absl::string_view message = status.message();
  const std::string field = ErrorField(status);
  if (!field.empty()) absl::ConsumePrefix(&message, absl::StrCat(field, ": "));
  return std::string(message);
}

absl::Status RenameField(const absl::Status& status, absl::string_view field) {
  absl::Status renamed(status.code(),
                       absl::StrCat(field, ": ", MessageWithoutField(status)));
  renamed = WithErrorContext(renamed, field, ErrorSuggestions(status));
  if (std::optional<Fix> fix = FixOf(status); fix.has_value()) {
    renamed = WithFix(renamed, *fix);
  }
  return renamed;
}

}  // namespace mfgate::tools
