// ISO-8601 dates and timestamps as callers write them, parsed into their
// fields and written back in one canonical form.
//
// Accepted: `YYYY-MM-DD`, optionally followed by `T` or a space and
// `HH:MM[:SS[.f...]]` (up to 9 fraction digits). Every field is range
// checked (2024-02-30 and 24:00 are refused). Stateless; safe from any
// thread.
#ifndef MFGATE_WORKER_VALIDATE_ISO_TIME_H_
#define MFGATE_WORKER_VALIDATE_ISO_TIME_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mfgate::validate {

struct IsoTime {
  int year = 0, month = 0, day = 0;
  bool has_time = false;
  int hour = 0, minute = 0, second = 0;
  int microsecond = 0;  // Fractions beyond microseconds are dropped.
  bool has_fraction = false;
};

// Parses `value`; InvalidArgument on `field` naming what is wrong.
absl::StatusOr<IsoTime> ParseIsoTime(absl::string_view field,
                                     absl::string_view value);

// `YYYY-MM-DD`, or `YYYY-MM-DD<sep>HH:MM:SS[.ffffff]` when it has a time.
std::string FormatIsoTime(const IsoTime& time, char separator);

}  // namespace mfgate::validate

#endif  // MFGATE_WORKER_VALIDATE_ISO_TIME_H_
