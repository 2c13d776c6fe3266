// MetricFlow's name grammar, checked before a name reaches the engine.
//
// Metric and saved-query names are identifiers; group-by names are
// identifiers joined by "__" (entity paths and a trailing granularity or date
// part: `metric_time__month`, `customer__country__region`); order-by names
// may carry one leading "-". Errors name the field and the first offending
// character with its position; what passes is written anew (never passed on
// as the caller sent it). Stateless; safe from any thread.
#ifndef MFGATE_WORKER_VALIDATE_NAMES_H_
#define MFGATE_WORKER_VALIDATE_NAMES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mfgate::validate {

inline constexpr size_t kMaxNameLength = 256;
inline constexpr int kMaxNameParts = 8;

// `[A-Za-z_][A-Za-z0-9_]*`, at most kMaxNameLength characters.
absl::Status ValidateMetricName(absl::string_view field,
                                absl::string_view name);

// Identifiers joined by "__": no empty part, no leading or trailing "__", at
// most kMaxNameParts parts.
absl::Status ValidateGroupByName(absl::string_view field,
                                 absl::string_view name);

// The name MetricFlow receives: `name` written anew from its parts once it
// matches the metric (identifier) or group-by (identifiers joined by "__")
// grammar. Order-by names may carry one leading "-" (descending).
absl::StatusOr<std::string> CanonicalMetricName(absl::string_view field,
                                                absl::string_view name);
absl::StatusOr<std::string> CanonicalGroupByName(absl::string_view field,
                                                 absl::string_view name);
absl::StatusOr<std::string> CanonicalOrderByName(absl::string_view field,
                                                 absl::string_view name);

// The printable, bounded text of a search string.
absl::Status ValidateSearchText(absl::string_view field,
                                absl::string_view text);

}  // namespace mfgate::validate

#endif  // MFGATE_WORKER_VALIDATE_NAMES_H_
