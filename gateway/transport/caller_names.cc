#include "gateway/transport/caller_names.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>

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

CallerNames::CallerNames(absl::string_view secret) {
  if (secret.empty()) {
    if (RAND_bytes(key_, sizeof(key_)) != 1) std::abort();
    return;
  }
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(kKeyLabel.data()),
       kKeyLabel.size(), key_, &size);
  if (size != sizeof(key_)) std::abort();
}

std::string CallerNames::ForSession(absl::string_view session) const {
  return Name('s', session);
}

std::string CallerNames::ForClient(absl::string_view tenant,
                                   absl::string_view address) const {
  // The tenant's name cannot hold a NUL: the pair reads one way only.
  return Name('c', absl::StrCat(tenant, std::string(1, '\0'), address));
}

std::string CallerNames::Name(char kind, absl::string_view text) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key_, sizeof(key_),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac,
       &size);
  const std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(mac), size));
  return std::string(1, kind) + hex.substr(0, kNameDigits);
}

}  // namespace mfgate::transport
