// Refusals a model can act on: the argument named as the caller wrote it,
// and the call corrected.
//
// Every refused tool call — by the gateway's checks (args.h) or by the
// worker and MetricFlow — is answered with its error and "Example:", the
// caller's own arguments with the refused one corrected, in the accepted
// shape and the caller's naming: the fix the check attached (refusal.h),
// else MetricFlow's first suggestion, else the closest name the project has
// (near_miss.h), else a value of the right shape. Stateless; safe from any
// thread (the vocabulary's functions must be too).
#ifndef MFGATE_GATEWAY_TOOLS_CORRECTIONS_H_
#define MFGATE_GATEWAY_TOOLS_CORRECTIONS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "gateway/tools/args.h"
#include "gateway/tools/catalogue.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

// The project's names, asked for only when a correction needs them; each
// returns an empty list when it cannot tell.
struct Vocabulary {
  std::function<std::vector<std::string>()> metrics;
  // Dimensions (and entities) usable with all of `metrics` (any: all).
  std::function<std::vector<std::string>(const std::vector<std::string>&)>
      dimensions;
  std::function<std::vector<std::string>()> saved_queries;
};

// `error` naming the argument as the caller wrote it: a worker's field
// (`order_by[0]`) becomes the caller's (`order[0]`), and a MetricFlow error
// on a list names the item it refused (`group_by[1]`).
absl::Status AsWritten(const ToolSpec& spec, const CheckedArgs& checked,
                       const absl::Status& error);

// `arguments`, as the caller sent them, corrected for `error` (as
// AsWritten names it) and then for any fault the gateway's own checks,
// under `bounds`, still find; null when there is nothing to correct (the
// call was not at fault).
nlohmann::json CorrectedCall(const ToolSpec& spec,
                             const nlohmann::json& arguments,
                             const CheckedArgs& checked,
                             const absl::Status& error, const ArgBounds& bounds,
                             const Vocabulary& vocabulary,
                             absl::CivilDay today);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_CORRECTIONS_H_
