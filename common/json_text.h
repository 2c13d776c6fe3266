// JsonText: the compact JSON text of a value, as every message and log line
// is written.
//
// A string holding invalid UTF-8 (a warehouse value, a header echoed in an
// error) has the bad bytes replaced with U+FFFD instead of throwing: one bad
// byte never costs a response or a log line. Stateless; safe from any
// thread.
#ifndef MFGATE_COMMON_JSON_TEXT_H_
#define MFGATE_COMMON_JSON_TEXT_H_

#include <string>

#include "nlohmann/json.hpp"

namespace mfgate {

inline std::string JsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mfgate

#endif  // MFGATE_COMMON_JSON_TEXT_H_
