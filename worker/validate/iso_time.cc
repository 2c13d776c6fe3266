#include "worker/validate/iso_time.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/field_error.h"

namespace mfgate::validate {
namespace {

// A bounded, escaped copy of the input for error messages.
std::string Shown(absl::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) {
    if (absl::ascii_isprint(static_cast<unsigned char>(c))) {
      out += c;
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", static_cast<unsigned char>(c));
    }
  }
  return absl::StrCat("\"", out, text.size() > 64 ? "...\"" : "\"");
}

bool IsLeap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int DaysIn(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Reads `digits` decimal digits at `*at`; false when they are not there.
bool Digits(absl::string_view value, size_t* at, int digits, int* out) {
  if (*at + digits > value.size()) return false;
  int result = 0;
  for (int i = 0; i < digits; ++i) {
    char c = value[*at + i];
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    result = result * 10 + (c - '0');
  }
  *at += digits;
  *out = result;
  return true;
}

bool Expect(absl::string_view value, size_t* at, char c) {
  if (*at >= value.size() || value[*at] != c) return false;
  ++*at;
  return true;
}

}  // namespace

absl::StatusOr<IsoTime> ParseIsoTime(absl::string_view field,
                                     absl::string_view value) {
  auto fail = [&](absl::string_view why) {
    return FieldError(field,
                      absl::StrCat(why, " in ", Shown(value),
                                   " (expected an ISO-8601 date or timestamp: "
                                   "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)"));
  };
  IsoTime t;
  size_t at = 0;
  if (!Digits(value, &at, 4, &t.year) || !Expect(value, &at, '-') ||
      !Digits(value, &at, 2, &t.month) || !Expect(value, &at, '-') ||
      !Digits(value, &at, 2, &t.day)) {
    return fail("malformed date");
  }
  if (t.year < 1 || t.month < 1 || t.month > 12) return fail("no such month");
  if (t.day < 1 || t.day > DaysIn(t.year, t.month)) return fail("no such day");
  if (at == value.size()) return t;
  if (value[at] != 'T' && value[at] != ' ') return fail("malformed time");
  ++at;
  t.has_time = true;
  if (!Digits(value, &at, 2, &t.hour) || !Expect(value, &at, ':') ||
      !Digits(value, &at, 2, &t.minute)) {
    return fail("malformed time");
  }
  if (at < value.size() &&
      (!Expect(value, &at, ':') || !Digits(value, &at, 2, &t.second))) {
    return fail("malformed seconds");
  }
  if (t.hour > 23 || t.minute > 59 || t.second > 59) {
    return fail("no such time of day");
  }
  if (at == value.size()) return t;
  if (!Expect(value, &at, '.')) return fail("unexpected text after the time");
  const size_t fraction = at;
  int scale = 100000;
  while (at < value.size() &&
         absl::ascii_isdigit(static_cast<unsigned char>(value[at]))) {
    t.microsecond += (value[at] - '0') * scale;
    scale /= 10;
    ++at;
  }
  if (at == fraction || at - fraction > 9 || at != value.size()) {
    return fail("malformed fraction of a second");
  }
  t.has_fraction = true;
  return t;
}

std::string FormatIsoTime(const IsoTime& t, char separator) {
  std::string out = absl::StrFormat("%04d-%02d-%02d", t.year, t.month, t.day);
  if (!t.has_time) return out;
  absl::StrAppendFormat(&out, "%c%02d:%02d:%02d", separator, t.hour, t.minute,
                        t.second);
  if (t.has_fraction) absl::StrAppendFormat(&out, ".%06d", t.microsecond);
  return out;
}

}  // namespace mfgate::validate
