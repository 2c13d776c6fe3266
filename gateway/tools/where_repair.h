// A where filter as a model meant it, for the example a refusal shows.
//
// Models write filters as SQL on columns (`customer__region = 'EU'`,
// `metric_time >= '2024-01-01'`) or forget the braces of a reference
// (`Dimension('customer__region') = 'EU'`). The worker refuses both (its
// grammar is the security boundary, where_filter.h); this rewrites them
// with references, so the refusal can show the filter that works. Only
// what is outside quotes and outside references is touched. Stateless;
// safe from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_WHERE_REPAIR_H_
#define MFGATE_GATEWAY_TOOLS_WHERE_REPAIR_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace mfgate::tools {

// `where` with bare names of `dimensions` (or names holding "__", or
// metric_time) written as references, and references given braces; `where`
// itself when nothing needed it.
std::string RepairWhere(absl::string_view where,
                        const std::vector<std::string>& dimensions);

// `where` with the name of the reference closest to `suggestion`'s (a
// MetricFlow suggestion such as "Dimension('customer__country')") replaced
// by it; `where` itself when it holds no reference.
std::string ApplyWhereSuggestion(absl::string_view where,
                                 absl::string_view suggestion);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_WHERE_REPAIR_H_
