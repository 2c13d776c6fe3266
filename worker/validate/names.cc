#include "worker/validate/names.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/field_error.h"

namespace mfgate::validate {
namespace {

// How a character is shown in an error: printable as itself, else escaped.
std::string Shown(char c) {
  if (absl::ascii_isprint(static_cast<unsigned char>(c)))
    return std::string(1, c);
  return absl::StrFormat("\\x%02x", static_cast<unsigned char>(c));
}

// A bounded, escaped copy of the input for error messages.
std::string Quoted(absl::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) out += Shown(c);
  if (text.size() > 64) out += "...";
  return absl::StrCat("\"", out, "\"");
}

absl::Status BadCharacter(absl::string_view field, absl::string_view name,
                          size_t position) {
  return FieldError(
      field, absl::StrCat("invalid character '", Shown(name[position]),
                          "' at position ", position, " in ", Quoted(name)));
}

absl::Status CheckLength(absl::string_view field, absl::string_view name,
                         const char* what) {
  if (name.empty()) return FieldError(field, absl::StrCat("empty ", what));
  if (name.size() > kMaxNameLength) {
    return FieldError(field, absl::StrCat(what, " longer than ", kMaxNameLength,
                                          " characters"));
  }
  return absl::OkStatus();
}

bool IsIdentifierChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}

}  // namespace

absl::Status ValidateMetricName(absl::string_view field,
                                absl::string_view name) {
  if (absl::Status length = CheckLength(field, name, "name"); !length.ok()) {
    return length;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsIdentifierChar(name[i]) ||
        (i == 0 && absl::ascii_isdigit(static_cast<unsigned char>(name[0])))) {
      return BadCharacter(field, name, i);
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateGroupByName(absl::string_view field,
                                 absl::string_view name) {
  if (absl::Status valid = ValidateMetricName(field, name); !valid.ok()) {
    return valid;
  }
  // Split on "__"; a run of three or more underscores leaves an empty part
  // or a part starting with "_" next to a separator, both refused.
  int parts = 1;
  for (size_t i = 0; i + 1 < name.size(); ++i) {
    if (name[i] == '_' && name[i + 1] == '_') {
      if (i == 0 || i + 2 >= name.size() || name[i + 2] == '_') {
        return FieldError(
            field, absl::StrCat("empty part at position ", i, " in ",
                                Quoted(name), " (parts are joined by \"__\")"));
      }
      ++parts;
      ++i;
    }
  }
  if (parts > kMaxNameParts) {
    return FieldError(field, absl::StrCat(Quoted(name), " has more than ",
                                          kMaxNameParts, " parts"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CanonicalMetricName(absl::string_view field,
                                                absl::string_view name) {
  if (absl::Status valid = ValidateMetricName(field, name); !valid.ok()) {
    return valid;
  }
  return std::string(name);
}

absl::StatusOr<std::string> CanonicalGroupByName(absl::string_view field,
                                                 absl::string_view name) {
  if (absl::Status valid = ValidateGroupByName(field, name); !valid.ok()) {
    return valid;
  }
  std::vector<absl::string_view> parts = absl::StrSplit(name, "__");
  return absl::StrJoin(parts, "__");
}

absl::StatusOr<std::string> CanonicalOrderByName(absl::string_view field,
                                                 absl::string_view name) {
  const bool descending = absl::ConsumePrefix(&name, "-");
  auto canonical = CanonicalGroupByName(field, name);
  if (!canonical.ok()) return canonical.status();
  return descending ? absl::StrCat("-", *canonical) : *canonical;
}

absl::Status ValidateSearchText(absl::string_view field,
                                absl::string_view text) {
  if (text.size() > kMaxNameLength) {
    return FieldError(
        field, absl::StrCat("longer than ", kMaxNameLength, " characters"));
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (!absl::ascii_isprint(static_cast<unsigned char>(text[i]))) {
      return BadCharacter(field, text, i);
    }
  }
  return absl::OkStatus();
}

}  // namespace mfgate::validate
