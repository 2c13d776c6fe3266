#include "common/loopback.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace mfgate {
namespace {

// An optional ":PORT" (1 to 5 digits) and nothing after it.
bool IsPortSuffix(absl::string_view rest) {
  if (rest.empty()) return true;
  if (!absl::ConsumePrefix(&rest, ":") || rest.empty() || rest.size() > 5) {
    return false;
  }
  for (char c : rest) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

}  // namespace

bool IsLoopbackAddress(absl::string_view host) {
  return absl::EqualsIgnoreCase(host, "localhost") || host == "127.0.0.1" ||
         host == "::1" || host == "[::1]";
}

bool IsLoopbackHostHeader(absl::string_view host) {
  if (absl::ConsumePrefix(&host, "[::1]")) return IsPortSuffix(host);
  const size_t colon = host.find(':');
  const absl::string_view name = host.substr(0, colon);
  const absl::string_view rest = colon == absl::string_view::npos
                                     ? absl::string_view()
                                     : host.substr(colon);
  return (absl::EqualsIgnoreCase(name, "localhost") || name == "127.0.0.1") &&
         IsPortSuffix(rest);
}

bool IsLoopbackOrigin(absl::string_view origin) {
  for (absl::string_view scheme : {"http://", "https://"}) {
    if (absl::ConsumePrefix(&origin, scheme)) {
      return IsLoopbackHostHeader(origin);
    }
  }
  return false;
}

}  // namespace mfgate
