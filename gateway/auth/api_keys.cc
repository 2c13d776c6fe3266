#include "gateway/auth/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace mfgate::auth {

ApiKeys::ApiKeys(const config::GatewayConfig& config) { Replace(config); }

void ApiKeys::Replace(const config::GatewayConfig& config) {
  auto digests = std::make_shared<Digests>();
  for (const config::TenantConfig& tenant : config.tenants) {
    for (const std::string& hex : tenant.api_key_sha256) {
      digests->emplace_back(absl::HexStringToBytes(hex), tenant.name);
    }
  }
  absl::MutexLock lock(&mu_);
  digests_ = std::move(digests);
}

std::shared_ptr<const ApiKeys::Digests> ApiKeys::Current() const {
  absl::MutexLock lock(&mu_);
  return digests_;
}

bool ApiKeys::enabled() const { return !Current()->empty(); }

absl::StatusOr<std::string> ApiKeys::Authenticate(
    absl::string_view authorization, absl::string_view x_api_key) const {
  absl::string_view key = absl::StripAsciiWhitespace(x_api_key);
  absl::string_view bearer = absl::StripAsciiWhitespace(authorization);
  if (key.empty() && bearer.size() > 7 &&
      absl::StartsWithIgnoreCase(bearer, "bearer ")) {
    key = absl::StripAsciiWhitespace(bearer.substr(7));
  }
  if (key.empty()) {
    return absl::UnauthenticatedError(
        "missing API key: send it as 'Authorization: Bearer <key>' or "
        "'X-API-Key'");
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(),
         digest);
  const std::string* tenant = nullptr;
  // The set this request is checked against, whatever a reload does
  // meanwhile.
  const std::shared_ptr<const Digests> digests = Current();
  for (const auto& [stored, name] : *digests) {
    // Every digest is compared, whatever matched before.
    bool match =
        CRYPTO_memcmp(stored.data(), digest, SHA256_DIGEST_LENGTH) == 0;
    if (match) tenant = &name;
  }
  if (tenant == nullptr) return absl::UnauthenticatedError("invalid API key");
  return *tenant;
}

}  // namespace mfgate::auth
