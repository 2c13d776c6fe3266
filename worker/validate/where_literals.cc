#include "worker/validate/where_literals.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/field_error.h"
#include "worker/validate/iso_time.h"

namespace mfgate::validate {
namespace {

constexpr char kField[] = "where";

absl::Status Refuse(absl::string_view what, size_t position) {
  return FieldError(kField, absl::StrCat(what, " at position ", position));
}

// Decodes the UTF-8 sequence at `text[*at]`, advancing `*at`; -1 when it is
// not well-formed (overlong, surrogate, out of range or truncated).
int32_t DecodeUtf8(absl::string_view text, size_t* at) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(*at);
  int length;
  int32_t code;
  if (lead < 0x80) {
    ++*at;
    return lead;
  } else if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code = lead & 0x07;
  } else {
    return -1;
  }
  if (*at + length > text.size()) return -1;
  for (int i = 1; i < length; ++i) {
    if ((byte(*at + i) & 0xc0) != 0x80) return -1;
    code = (code << 6) | (byte(*at + i) & 0x3f);
  }
  static constexpr int32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length] || code > 0x10ffff ||
      (code >= 0xd800 && code <= 0xdfff)) {
    return -1;
  }
  *at += length;
  return code;
}

// Characters that print as nothing, change the direction of the text around
// them, or separate lines: they make a filter read differently from what it
// is.
bool IsInvisible(int32_t code) {
  return (code >= 0x80 && code <= 0x9f) ||      // C1 controls
         code == 0xad ||                        // soft hyphen
         code == 0x061c ||                      // Arabic letter mark
         (code >= 0x115f && code <= 0x1160) ||  // Hangul fillers
         code == 0x180e ||                      // Mongolian vowel separator
         (code >= 0x200b && code <= 0x200f) ||  // zero width, LRM, RLM
         (code >= 0x2028 && code <= 0x202e) ||  // separators, embeddings
         (code >= 0x2060 && code <= 0x206f) ||  // joiners, isolates
         code == 0x3164 || code == 0xfeff || code == 0xffa0 ||
         (code >= 0xfff9 && code <= 0xfffb) ||  // annotations
         (code >= 0xe0000 && code <= 0xe007f);  // tags
}

struct IntervalUnit {
  const char* singular;
};
constexpr IntervalUnit kIntervalUnits[] = {
    {"second"}, {"minute"}, {"hour"}, {"day"}, {"week"}, {"month"}, {"year"},
};

absl::StatusOr<std::string> CanonicalInterval(absl::string_view value,
                                              size_t position) {
  std::vector<absl::string_view> words =
      absl::StrSplit(value, ' ', absl::SkipEmpty());
  int64_t amount = 0;
  if (words.size() != 2 || !absl::SimpleAtoi(words[0], &amount) ||
      amount < -1000000 || amount > 1000000) {
    return Refuse(
        "INTERVAL must be an integer and a unit, e.g. INTERVAL '7 days',",
        position);
  }
  std::string unit = absl::AsciiStrToLower(words[1]);
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  for (const IntervalUnit& known : kIntervalUnits) {
    if (unit == known.singular) {
      return absl::StrCat(amount, " ", unit, amount == 1 ? "" : "s");
    }
  }
  return Refuse(absl::StrCat("unknown INTERVAL unit '", words[1],
                             "' (second, minute, hour, day, week, month or "
                             "year)"),
                position);
}

}  // namespace

absl::Status CheckStringLiteral(absl::string_view value, size_t position) {
  // The content starts after the opening quote; doubled quotes in the
  // caller's text make positions drift by one each, which is close enough
  // for a message.
  const size_t base = position + 1;
  for (size_t at = 0; at < value.size();) {
    const size_t start = at;
    const char c = value[at];
    if (c == '\\') return Refuse("backslash in a string", base + start);
    if ((c == '{' || c == '}' || c == '%' || c == '#') &&
        at + 1 < value.size()) {
      const absl::string_view pair = value.substr(at, 2);
      for (absl::string_view jinja : {"{{", "{%", "{#", "}}", "%}", "#}"}) {
        if (pair == jinja) {
          return Refuse(absl::StrCat("Jinja delimiter '", pair,
                                     "' in a string is not allowed"),
                        base + start);
        }
      }
    }
    const int32_t code = DecodeUtf8(value, &at);
    if (code < 0) return Refuse("invalid UTF-8 in a string", base + start);
    if (code < 0x20 || code == 0x7f || IsInvisible(code)) {
      return Refuse(absl::StrFormat("invisible or control character U+%04X "
                                    "in a string",
                                    code),
                    base + start);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CanonicalTypedLiteral(absl::string_view type,
                                                  absl::string_view value,
                                                  size_t position) {
  if (type == "INTERVAL") return CanonicalInterval(value, position);
  auto time = ParseIsoTime(kField, value);
  if (!time.ok()) {
    return Refuse(absl::StrCat(type, " literal: ", time.status().message()),
                  position);
  }
  if (type == "DATE") {
    if (time->has_time) {
      return Refuse("a DATE literal holds no time of day", position);
    }
    return FormatIsoTime(*time, ' ');
  }
  time->has_time = true;  // TIMESTAMP '2024-01-01' is midnight.
  return FormatIsoTime(*time, ' ');
}

std::string QuoteSqlString(absl::string_view value) {
  std::string out = "'";
  for (char c : value) {
    out += c;
    if (c == '\'') out += '\'';
  }
  out += '\'';
  return out;
}

}  // namespace mfgate::validate
