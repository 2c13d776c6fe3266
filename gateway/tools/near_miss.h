// Near misses: the argument or the name a caller most likely meant.
//
// Used to correct refused calls (corrections.h): an unknown argument is
// matched against a table of the names other tools and habits give it
// (`filter` for where, `groupBy` for group_by), then by spelling; an unknown
// name against the project's names by edit distance. Stateless; safe from
// any thread.
#ifndef MFGATE_GATEWAY_TOOLS_NEAR_MISS_H_
#define MFGATE_GATEWAY_TOOLS_NEAR_MISS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/tools/catalogue.h"

namespace mfgate::tools {

// The argument of `spec` that `written` most likely means; nullptr if none
// is close.
const ArgSpec* NearMissArg(const ToolSpec& spec, absl::string_view written);

// Of `candidates`, the closest to `text` (case-insensitive edit distance,
// a candidate holding `text` or held by it counting as close); "" when
// `candidates` is empty.
std::string Closest(absl::string_view text,
                    const std::vector<std::string>& candidates);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_NEAR_MISS_H_
