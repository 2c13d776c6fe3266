#include "gateway/transport/caller_names.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/call_headers.h"

namespace mfgate::transport {
namespace {

constexpr absl::string_view kKeyLabel = "mfgate caller names v1";
// Hex digits of the MAC kept: 128 bits, far from colliding.
constexpr size_t kNameDigits = 32;
static_assert(kNameDigits + 1 <= kMaxCallerBytes);

}  // namespace

CallerNames::CallerNames(absl::string_view secret) : key_(secret, kKeyLabel) {}

std::string CallerNames::ForSession(absl::string_view session) const {
  return Name('s', session);
}

std::string CallerNames::ForClient(absl::string_view tenant,
                                   absl::string_view address) const {
  // The tenant's name cannot hold a NUL: the pair reads one way only.
  return Name('c', absl::StrCat(tenant, std::string(1, '\0'), address));
}

std::string CallerNames::Name(char kind, absl::string_view text) const {
  const std::string hex = absl::BytesToHexString(key_.Mac(text));
  return std::string(1, kind) + hex.substr(0, kNameDigits);
}

}  // namespace mfgate::transport
