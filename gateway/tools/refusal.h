// A refused tool call's correction: what its arguments should have been.
//
// A check that refuses an argument usually knows what was meant (a grain in
// upper case, a relative date, `desc` for descending); it attaches that as a
// Fix to its FieldError (common/field_error.h), as a status payload, so the
// refusal can show a corrected example of the whole call
// (corrections.h). Names in a Fix are the arguments as the caller wrote
// them. Stateless; safe from any thread.
#ifndef MFGATE_GATEWAY_TOOLS_REFUSAL_H_
#define MFGATE_GATEWAY_TOOLS_REFUSAL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace mfgate::tools {

struct Fix {
  nlohmann::json set = nlohmann::json::object();  // Argument -> its value.
  std::vector<std::string> drop;                  // Arguments to leave out.
};

// `status` carrying `fix`.
absl::Status WithFix(absl::Status status, const Fix& fix);

// The fix `status` carries, if any.
std::optional<Fix> FixOf(const absl::Status& status);

// A FieldError on `field` whose fix sets `argument` to `value`.
absl::Status Refuse(absl::string_view field, absl::string_view message,
                    absl::string_view argument, nlohmann::json value);

// `status` (of any code) naming `field` in place of the field it names, its
// message rewritten to match; suggestions and fix kept.
absl::Status RenameField(const absl::Status& status, absl::string_view field);

// The message of `status` without the "<field>: " its FieldError put first.
std::string MessageWithoutField(const absl::Status& status);

}  // namespace mfgate::tools

#endif  // MFGATE_GATEWAY_TOOLS_REFUSAL_H_
