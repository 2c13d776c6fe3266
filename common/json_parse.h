// ParseJson: JSON text from outside this process, parsed within limits.
//
// Every boundary that reads JSON it did not write (an MCP message, a
// configuration file, a helper program's answer) parses it here. Text longer
// than `max_bytes` is refused before it is looked at, and parsing stops as
// soon as arrays and objects nest deeper than `max_depth`: no deep tree is
// ever built, and so none is copied, serialized or destroyed (nlohmann's
// copy and dump recurse once per level, and enough levels overflow the
// stack). A number that does not fit a double (`1e400`) is refused too.
// Nothing the JSON library throws escapes.
//
// A pure function of its arguments (easy to call from a fuzz target);
// stateless and safe from any thread.
#ifndef MFGATE_COMMON_JSON_PARSE_H_
#define MFGATE_COMMON_JSON_PARSE_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace mfgate {

// The deepest nesting of arrays and objects accepted: a top-level object
// holding an array is two levels.
inline constexpr int kMaxJsonDepth = 64;

struct JsonLimits {
  size_t max_bytes = 0;
  int max_depth = kMaxJsonDepth;
};

// The value of `text`. Errors:
//   InvalidArgument    not JSON, or a number out of range ("... at byte N");
//   ResourceExhausted  longer than `max_bytes`, or nested deeper than
//                      `max_depth`;
//   Internal           anything else the library failed with (e.g. memory).
// When `error_byte` is not null it receives the offset, counted from 1, of
// the byte where an InvalidArgument error was found (0 for other errors).
absl::StatusOr<nlohmann::json> ParseJson(absl::string_view text,
                                         const JsonLimits& limits,
                                         size_t* error_byte = nullptr);

}  // namespace mfgate

#endif  // MFGATE_COMMON_JSON_PARSE_H_
