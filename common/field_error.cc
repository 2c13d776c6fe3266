#include "common/field_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace mfgate {
namespace {

// Payload type URLs; private to this file.
constexpr char kFieldUrl[] = "type.mfgate.dev/field";
constexpr char kSuggestionsUrl[] = "type.mfgate.dev/suggestions";

}  // namespace

absl::Status WithErrorContext(absl::Status status, absl::string_view field,
                              const std::vector<std::string>& suggestions) {
  if (status.ok()) return status;
  if (!field.empty()) status.SetPayload(kFieldUrl, absl::Cord(field));
  if (!suggestions.empty()) {
    status.SetPayload(kSuggestionsUrl,
                      absl::Cord(absl::StrJoin(suggestions, "\n")));
  }
  return status;
}

absl::Status FieldError(absl::string_view field, absl::string_view message) {
  return WithErrorContext(
      absl::InvalidArgumentError(absl::StrCat(field, ": ", message)), field,
      {});
}

absl::Status NotFoundFieldError(absl::string_view field,
                                absl::string_view message,
                                const std::vector<std::string>& suggestions) {
  return WithErrorContext(
      absl::NotFoundError(absl::StrCat(field, ": ", message)), field,
      suggestions);
}

std::string ErrorField(const absl::Status& status) {
  auto payload = status.GetPayload(kFieldUrl);
  return payload.has_value() ? std::string(*payload) : std::string();
}

std::vector<std::string> ErrorSuggestions(const absl::Status& status) {
  auto payload = status.GetPayload(kSuggestionsUrl);
  if (!payload.has_value()) return {};
  return absl::StrSplit(std::string(*payload), '\n', absl::SkipEmpty());
}

}  // namespace mfgate
