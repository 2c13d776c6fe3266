#include "gateway/auth/session_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/json_parse.h"
#include "common/json_text.h"
#include "common/paths.h"

namespace mfgate::auth {
namespace {

using json = nlohmann::json;

constexpr absl::string_view kVersion = "v1.";
constexpr size_t kMaxSecretFileBytes = 4096;

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
             static_cast<int>(n));
  return bytes;
}

absl::Status Unknown(absl::string_view why) {
  return absl::NotFoundError(absl::StrCat("session token: ", why));
}

// The client's capabilities as a token carries them: whole when small,
// else their top-level names alone (what a tool asks of them).
json BoundedCapabilities(const json& capabilities) {
  if (!capabilities.is_object()) return json::object();
  if (JsonText(capabilities).size() <= SessionTokens::kMaxCapabilitiesBytes) {
    return capabilities;
  }
  json names = json::object();
  for (const auto& item : capabilities.items()) {
    names[item.key()] = json::object();
    if (JsonText(names).size() > SessionTokens::kMaxCapabilitiesBytes) {
      names.erase(item.key());
      break;
    }
  }
  return names;
}

}  // namespace

SessionTokens::SessionTokens(std::string secret, absl::Duration lifetime)
    : secret_(secret.empty() ? RandomBytes(32) : std::move(secret)),
      lifetime_(lifetime) {}

std::string SessionTokens::Mac(absl::string_view text) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac,
       &length);
  return std::string(reinterpret_cast<char*>(mac), length);
}

std::string SessionTokens::Issue(SessionClaims* claims) const {
  if (claims->session.empty()) {
    claims->session = absl::BytesToHexString(RandomBytes(16));
  }
  claims->capabilities = BoundedCapabilities(claims->capabilities);
  const absl::Time now = absl::Now();
  claims->issued = absl::FromUnixSeconds(absl::ToUnixSeconds(now));
  claims->expires = claims->issued + lifetime_;
  const json payload = {{"s", claims->session},
                        {"t", claims->tenant},
                        {"v", claims->protocol_version},
                        {"c", claims->capabilities},
                        {"i", absl::ToUnixSeconds(claims->issued)},
                        {"e", absl::ToUnixSeconds(claims->expires)}};
  std::string encoded;
  absl::WebSafeBase64Escape(JsonText(payload), &encoded);
  const std::string signed_text = absl::StrCat(kVersion, encoded);
  std::string mac;
  absl::WebSafeBase64Escape(Mac(signed_text), &mac);
  return absl::StrCat(signed_text, ".", mac);
}

absl::StatusOr<SessionClaims> SessionTokens::Verify(absl::string_view token,
                                                    absl::Time now) const {
  if (token.size() > kMaxTokenBytes) return Unknown("too long");
  if (!absl::StartsWith(token, kVersion)) return Unknown("not a v1 token");
  const size_t dot = token.rfind('.');
  if (dot < kVersion.size()) return Unknown("no MAC");
  const absl::string_view signed_text = token.substr(0, dot);
  std::string mac;
  if (!absl::WebSafeBase64Unescape(token.substr(dot + 1), &mac)) {
    return Unknown("malformed MAC");
  }
  const std::string expected = Mac(signed_text);
  if (mac.size() != expected.size() ||
      CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
    return Unknown("bad MAC");
  }
  // Signed by a replica: the payload is ours, and still checked.
  std::string text;
  if (!absl::WebSafeBase64Unescape(signed_text.substr(kVersion.size()),
                                   &text)) {
    return Unknown("malformed payload");
  }
  absl::StatusOr<json> payload = ParseJson(text, {kMaxTokenBytes, 8});
  if (!payload.ok() || !payload->is_object()) return Unknown("bad payload");
  const json& p = *payload;
  auto is = [&p](const char* key, json::value_t type) {
    return p.contains(key) && p[key].type() == type;
  };
  if (!is("s", json::value_t::string) || !is("t", json::value_t::string) ||
      !is("v", json::value_t::string) || !is("c", json::value_t::object) ||
      !p.contains("i") || !p["i"].is_number_integer() || !p.contains("e") ||
      !p["e"].is_number_integer()) {
    return Unknown("missing fields");
  }
  SessionClaims claims;
  claims.session = p["s"].get<std::string>();
  claims.tenant = p["t"].get<std::string>();
  claims.protocol_version = p["v"].get<std::string>();
  claims.capabilities = p["c"];
  claims.issued = absl::FromUnixSeconds(p["i"].get<int64_t>());
  claims.expires = absl::FromUnixSeconds(p["e"].get<int64_t>());
  if (now >= claims.expires) return Unknown("expired");
  return claims;
}

absl::StatusOr<std::string> LoadSessionSecret(const config::Environment& env,
                                              const std::string& file,
                                              bool* generated) {
  *generated = false;
  std::string secret;
  std::string source;
  if (auto found = env.find("MFGATE_SESSION_SECRET");
      found != env.end() && !found->second.empty()) {
    secret = found->second;
    source = "MFGATE_SESSION_SECRET";
  } else if (!file.empty()) {
    absl::StatusOr<std::string> text = ReadFileUpTo(file, kMaxSecretFileBytes);
    if (!text.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "session_secret_file: cannot read '", file, "' (at most 4 KiB)"));
    }
    secret = std::string(absl::StripAsciiWhitespace(*text));
    source = absl::StrCat("session_secret_file '", file, "'");
  } else {
    *generated = true;
    return RandomBytes(32);
  }
  if (secret.size() < SessionTokens::kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": the session secret must have at least ",
                     SessionTokens::kMinSecretBytes, " bytes"));
  }
  return secret;
}

void RevokedSessions::Revoke(const std::string& session, absl::Time expires) {
  absl::MutexLock lock(&mu_);
  if (!revoked_.emplace(session, expires).second) return;
  by_expiry_.emplace(expires, session);
  while (revoked_.size() > kMaxEntries) {
    revoked_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

bool RevokedSessions::Revoked(const std::string& session, absl::Time now) {
  absl::MutexLock lock(&mu_);
  // Expired entries go first: their tokens are refused anyway.
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    revoked_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
  return revoked_.count(session) > 0;
}

}  // namespace mfgate::auth
