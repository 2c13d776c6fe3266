#include "worker/validate/names.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

absl::Status ValidateOrderByName(absl::string_view field,
                                 absl::string_view name) {
  if (!name.empty() && name.front() == '-') name.remove_prefix(1);
  return ValidateGroupByName(field, name);
}

absl::Status ValidateTimeConstraint(absl::string_view field,
                                    absl::string_view value) {
  // Pattern characters: 'd' digit, anything else literal; optional tails.
  static constexpr absl::string_view kDate = "dddd-dd-dd";
  auto matches = [&](size_t offset, absl::string_view pattern) {
    if (value.size() < offset + pattern.size()) return false;
    for (size_t i = 0; i < pattern.size(); ++i) {
      char c = value[offset + i];
      if (pattern[i] == 'd'
              ? !absl::ascii_isdigit(static_cast<unsigned char>(c))
              : c != pattern[i]) {
        return false;
      }
    }
    return true;
  };
  auto fail = [&] {
    return FieldError(field,
                      absl::StrCat("expected an ISO-8601 date or timestamp "
                                   "(YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS), got ",
                                   Quoted(value)));
  };
  if (!matches(0, kDate)) return fail();
  size_t at = kDate.size();
  if (at == value.size()) return absl::OkStatus();
  if (value[at] != 'T' && value[at] != ' ') return fail();
  if (!matches(++at, "dd:dd")) return fail();
  at += 5;
  if (at == value.size()) return absl::OkStatus();
  if (!matches(at, ":dd")) return fail();
  at += 3;
  if (at == value.size()) return absl::OkStatus();
  if (value[at] != '.' || at + 1 == value.size() || value.size() - at - 1 > 9) {
    return fail();
  }
  for (size_t i = at + 1; i < value.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(value[i])))
      return fail();
  }
  return absl::OkStatus();
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
