// Parser for the inside of one `{{ ... }}` reference of a where filter (see
// where_filter.h for the forms accepted). Stateless; safe from any thread.
#ifndef MFGATE_WORKER_VALIDATE_WHERE_REFERENCE_H_
#define MFGATE_WORKER_VALIDATE_WHERE_REFERENCE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/validate/where_tree.h"

namespace mfgate::validate {

// Parses `body` (the text between the braces) of a reference that starts at
// `position` in the filter.
absl::StatusOr<WhereReference> ParseWhereReference(absl::string_view body,
                                                   size_t position);

}  // namespace mfgate::validate

#endif  // MFGATE_WORKER_VALIDATE_WHERE_REFERENCE_H_
