#include "gateway/tools/dates.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace mfgate::tools {
namespace {

enum class Unit { kDay, kWeek, kMonth, kQuarter, kYear };

struct UnitName {
  absl::string_view name;
  Unit unit;
};

constexpr UnitName kUnits[] = {
    {"day", Unit::kDay},         {"days", Unit::kDay},
    {"week", Unit::kWeek},       {"weeks", Unit::kWeek},
    {"month", Unit::kMonth},     {"months", Unit::kMonth},
    {"quarter", Unit::kQuarter}, {"quarters", Unit::kQuarter},
    {"year", Unit::kYear},       {"years", Unit::kYear}};

constexpr absl::string_view kMonths[] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

std::optional<Unit> UnitOf(absl::string_view word) {
  for (const UnitName& unit : kUnits) {
    if (unit.name == word) return unit.unit;
  }
  return std::nullopt;
}

// The first day of the `unit` holding `day`.
absl::CivilDay StartOf(Unit unit, absl::CivilDay day) {
  switch (unit) {
    case Unit::kDay:
      return day;
    case Unit::kWeek:
      return day - (static_cast<int>(absl::GetWeekday(day)) -
                    static_cast<int>(absl::Weekday::monday) + 7) %
                       7;
    case Unit::kMonth:
      return absl::CivilDay(absl::CivilMonth(day));
    case Unit::kQuarter:
      return absl::CivilDay(day.year(), (day.month() - 1) / 3 * 3 + 1, 1);
    case Unit::kYear:
      return absl::CivilDay(absl::CivilYear(day));
  }
  return day;
}

// `day` moved `count` units back (months clamp to the month's last day).
absl::CivilDay Back(Unit unit, int count, absl::CivilDay day) {
  switch (unit) {
    case Unit::kDay:
      return day - count;
    case Unit::kWeek:
      return day - 7 * count;
    case Unit::kMonth:
    case Unit::kQuarter:
    case Unit::kYear: {
      const int months = count * (unit == Unit::kMonth     ? 1
                                  : unit == Unit::kQuarter ? 3
                                                           : 12);
      absl::CivilMonth month = absl::CivilMonth(day) - months;
      absl::CivilDay last = absl::CivilDay(month + 1) - 1;
      return std::min(absl::CivilDay(month.year(), month.month(), day.day()),
                      last);
    }
  }
  return day;
}

std::optional<int> MonthOf(absl::string_view word) {
  for (int i = 0; i < 12; ++i) {
    if (word.size() >= 3 && absl::StartsWith(kMonths[i], word)) return i + 1;
  }
  return std::nullopt;
}

bool ValidDay(int y, int m, int d) {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  absl::CivilDay day(y, m, d);
  return day.year() == y && day.month() == m && day.day() == d;
}

std::optional<std::string> Day(int y, int m, int d) {
  if (!ValidDay(y, m, d)) return std::nullopt;
  return IsoDay(absl::CivilDay(y, m, d));
}

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int Number(absl::string_view text) {
  int value = 0;
  return absl::SimpleAtoi(text, &value) ? value : -1;
}

}  // namespace

bool LooksIso(absl::string_view text) {
  return text.size() >= 10 && AllDigits(text.substr(0, 4)) && text[4] == '-' &&
         AllDigits(text.substr(5, 2)) && text[7] == '-' &&
         AllDigits(text.substr(8, 2));
}

std::string IsoDay(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::CivilDay TodayUtc() {
  return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
}

std::optional<DateRange> RelativeDates(absl::string_view text,
                                       absl::CivilDay today) {
  std::string lowered = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  std::vector<std::string> words =
      absl::StrSplit(lowered, absl::ByAnyChar(" _-"), absl::SkipEmpty());
  if (words.empty() || words.size() > 4) return std::nullopt;
  if (words.size() == 1) {
    const std::string& word = words[0];
    if (word == "today" || word == "now") return DateRange{today, today};
    if (word == "yesterday") return DateRange{today - 1, today - 1};
    for (auto [abbreviation, unit] :
         {std::pair{"wtd", Unit::kWeek}, std::pair{"mtd", Unit::kMonth},
          std::pair{"qtd", Unit::kQuarter}, std::pair{"ytd", Unit::kYear}}) {
      if (word == abbreviation) return DateRange{StartOf(unit, today), today};
    }
    return std::nullopt;
  }
  const std::string& first = words[0];
  const bool past = first == "last" || first == "past" || first == "previous";
  // "this month", "last quarter"
  if (words.size() == 2) {
    std::optional<Unit> unit = UnitOf(words[1]);
    if (!unit.has_value()) return std::nullopt;
    if (first == "this" || first == "current") {
      return DateRange{StartOf(*unit, today), today};
    }
    if (past) {
      absl::CivilDay start = StartOf(*unit, Back(*unit, 1, today));
      return DateRange{start, StartOf(*unit, today) - 1};
    }
    return std::nullopt;
  }
  // "last 7 days", "past 3 months", "7 days ago", "month to date"
  if (words.size() == 3) {
    if (past && AllDigits(words[1])) {
      std::optional<Unit> unit = UnitOf(words[2]);
      const int count = Number(words[1]);
      if (!unit.has_value() || count < 1 || count > 10000) return std::nullopt;
      return DateRange{Back(*unit, count, today), today};
    }
    if (AllDigits(words[0]) && words[2] == "ago") {
      std::optional<Unit> unit = UnitOf(words[1]);
      const int count = Number(words[0]);
      if (!unit.has_value() || count < 0 || count > 10000) return std::nullopt;
      return DateRange{Back(*unit, count, today), today};
    }
    if (words[1] == "to" && words[2] == "date") {
      std::optional<Unit> unit = UnitOf(words[0]);
      if (!unit.has_value()) return std::nullopt;
      return DateRange{StartOf(*unit, today), today};
    }
  }
  return std::nullopt;
}

std::optional<std::string> LooseIsoDate(absl::string_view text) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed.size() > 40) return std::nullopt;
  // ISO with a zone: 2024-01-31T08:00:00Z, ...+02:00.
  if (LooksIso(trimmed)) {
    std::string rest(trimmed);
    if (absl::EndsWith(rest, "Z") || absl::EndsWith(rest, "z")) {
      rest.pop_back();
    } else if (rest.size() > 16 &&
               (rest[rest.size() - 6] == '+' || rest[rest.size() - 6] == '-') &&
               rest[rest.size() - 3] == ':') {
      rest.resize(rest.size() - 6);
    } else {
      return std::nullopt;  // ISO as it is: the worker's to judge.
    }
    return rest;
  }
  // 2024, 2024-01, 20240131.
  if (AllDigits(trimmed) && trimmed.size() == 4) {
    return Day(Number(trimmed), 1, 1);
  }
  if (AllDigits(trimmed) && trimmed.size() == 8) {
    return Day(Number(trimmed.substr(0, 4)), Number(trimmed.substr(4, 2)),
               Number(trimmed.substr(6, 2)));
  }
  std::string lowered = absl::AsciiStrToLower(trimmed);
  std::vector<std::string> parts =
      absl::StrSplit(lowered, absl::ByAnyChar("/.- ,"), absl::SkipEmpty());
  if (parts.size() == 2 && AllDigits(parts[0]) && parts[0].size() == 4 &&
      AllDigits(parts[1])) {  // 2024-01
    return Day(Number(parts[0]), Number(parts[1]), 1);
  }
  if (parts.size() == 2 && MonthOf(parts[0]) && AllDigits(parts[1]) &&
      parts[1].size() == 4) {  // January 2024
    return Day(Number(parts[1]), *MonthOf(parts[0]), 1);
  }
  if (parts.size() != 3) return std::nullopt;
  if (AllDigits(parts[0]) && parts[0].size() == 4 && AllDigits(parts[1]) &&
      AllDigits(parts[2])) {  // 2024/01/31
    return Day(Number(parts[0]), Number(parts[1]), Number(parts[2]));
  }
  if (AllDigits(parts[0]) && AllDigits(parts[1]) && AllDigits(parts[2]) &&
      parts[2].size() == 4) {
    const int a = Number(parts[0]), b = Number(parts[1]);
    const int year = Number(parts[2]);
    // 31.01.2024 and 31/01/2024 are day first; 01/31/2024 month first;
    // 03/04/2024 could be either, and is not read.
    if (lowered.find('.') != std::string::npos || a > 12) {
      return Day(year, b, a);
    }
    if (b > 12) return Day(year, a, b);
    return std::nullopt;
  }
  if (MonthOf(parts[0]) && AllDigits(parts[1]) && AllDigits(parts[2])) {
    return Day(Number(parts[2]), *MonthOf(parts[0]), Number(parts[1]));
  }
  if (AllDigits(parts[0]) && MonthOf(parts[1]) && AllDigits(parts[2])) {
    return Day(Number(parts[2]), *MonthOf(parts[1]), Number(parts[0]));
  }
  return std::nullopt;
}

}  // namespace mfgate::tools
