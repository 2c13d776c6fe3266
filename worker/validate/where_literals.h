// The literals of a where filter: what a string may hold, the canonical
// form of DATE, TIMESTAMP and INTERVAL values, and the quoting the worker
// writes them with.
//
// A string literal reaches MetricFlow inside a filter that MetricFlow renders
// with Jinja and then pastes into SQL, so it may hold nothing Jinja or any
// SQL dialect treats specially: no Jinja delimiters ({{ }} {% %} {# #}), no
// backslash (an escape in some dialects), no control, invisible or
// direction-changing characters, and only valid UTF-8. The worker quotes it
// itself, doubling quotes. Stateless; safe from any thread.
#ifndef MFGATE_WORKER_VALIDATE_WHERE_LITERALS_H_
#define MFGATE_WORKER_VALIDATE_WHERE_LITERALS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mfgate::validate {

// Refuses `value` (a string literal's content, starting at byte `position`
// of the filter) when it holds anything listed above; the error names the
// offending character and its position.
absl::Status CheckStringLiteral(absl::string_view value, size_t position);

// The canonical value of a typed literal: `type` is DATE, TIMESTAMP or
// INTERVAL (upper case), `value` its string. DATE 'YYYY-MM-DD'; TIMESTAMP
// 'YYYY-MM-DD HH:MM:SS[.ffffff]'; INTERVAL '<integer> <unit>' with a unit
// from second to year (plural allowed; written back in lower case).
absl::StatusOr<std::string> CanonicalTypedLiteral(absl::string_view type,
                                                  absl::string_view value,
                                                  size_t position);

// `value` between single quotes, each quote doubled.
std::string QuoteSqlString(absl::string_view value);

}  // namespace mfgate::validate

#endif  // MFGATE_WORKER_VALIDATE_WHERE_LITERALS_H_
