// Dates as models write them, read so that a refusal can show the ISO-8601
// date that was meant.
//
// The gateway takes ISO-8601 dates only (`2024-01-31`, `2024-01-31T08:00`):
// a query then says exactly what it covers, whoever reads it later. Phrases
// ("last 7 days", "yesterday", "this quarter") and other spellings
// ("2024/01/31", "January 2024", "2024-01-31T00:00:00Z") are refused, with
// the ISO dates they stand for against today's date (UTC). Stateless; safe
// from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_DATES_H_
#define MFGATE_GATEWAY_TOOLS_DATES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace mfgate::tools {

// Inclusive.
struct DateRange {
  absl::CivilDay start;
  absl::CivilDay end;
};

// Whether `text` starts the ISO-8601 way: YYYY-MM-DD (the worker checks the
// rest).
bool LooksIso(absl::string_view text);

// The days a phrase such as "last 7 days", "past 3 months", "yesterday",
// "this month", "last quarter", "ytd" or "2 weeks ago" means on `today`;
// nullopt when `text` is no such phrase. "last N <units>" ends today and
// starts N units before; "last <unit>" is the previous whole unit; weeks
// start on Monday.
std::optional<DateRange> RelativeDates(absl::string_view text,
                                       absl::CivilDay today);

// `text` spelled another way than ISO-8601 — "2024/01/31", "20240131",
// "31.01.2024", "01/31/2024" (only when the day is over 12), "January 31,
// 2024", "31 Jan 2024", "January 2024", "2024-01", "2024", or ISO with a
// time zone — as the ISO text of the same date (or date and time); nullopt
// when it is none of these.
std::optional<std::string> LooseIsoDate(absl::string_view text);

// YYYY-MM-DD.
std::string IsoDay(absl::CivilDay day);

// Today's date in UTC.
absl::CivilDay TodayUtc();

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_DATES_H_
