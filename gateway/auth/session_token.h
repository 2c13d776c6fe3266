// SessionTokens: MCP session ids that any gateway replica can verify, so
// that any replica serves any request of a session (no affinity).
//
// A session id (Mcp-Session-Id) is a token: a compact, versioned payload —
// the session's key, its tenant, the negotiated protocol version, the
// client's capabilities (at most kMaxCapabilitiesBytes of JSON; larger ones
// keep only their top-level names), the time it was issued and when it
// expires — and an HMAC-SHA256 of it under a secret the replicas share:
//
//   "v1." base64url(payload JSON) "." base64url(HMAC-SHA256(secret, "v1." ...))
//
// Verify checks the size (kMaxTokenBytes) and the MAC (constant-time
// comparison) before it parses anything, then the payload's fields and the
// expiry; a token that fails any check is as unknown as a session that does
// not exist. A token cannot be refreshed (MCP clients keep the id they got
// at initialize): its lifetime bounds how long a DELETE on one replica can
// go unseen by the others (RevokedSessions keeps the revocations a replica
// has seen until the tokens expire).
//
// Thread-safety: SessionTokens is immutable after construction; safe from
// any thread. RevokedSessions is thread-safe.
#ifndef MFGATE_GATEWAY_AUTH_SESSION_TOKEN_H_
#define MFGATE_GATEWAY_AUTH_SESSION_TOKEN_H_

#include <cstddef>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/config/config.h"
#include "nlohmann/json.hpp"

namespace mfgate::auth {

// What a token says of its session.
struct SessionClaims {
  std::string session;  // The session's key on a replica (random, hex).
  std::string tenant;
  std::string protocol_version;
  nlohmann::json capabilities = nlohmann::json::object();
  absl::Time issued;
  absl::Time expires;
};

class SessionTokens {
 public:
  static constexpr size_t kMaxTokenBytes = 4096;
  static constexpr size_t kMaxCapabilitiesBytes = 1024;
  static constexpr size_t kMinSecretBytes = 32;

  // `secret` has at least kMinSecretBytes bytes (LoadSessionSecret); empty,
  // a random secret of this process is made.
  SessionTokens(std::string secret, absl::Duration lifetime);

  // A token for `claims` (their issued and expires are set here), and a
  // new random session key in `claims->session` when it is empty.
  std::string Issue(SessionClaims* claims) const;
  // The claims of `token` when it is well-formed, signed with this secret
  // and not expired at `now`; NotFound otherwise (the reason is for logs).
  absl::StatusOr<SessionClaims> Verify(absl::string_view token,
                                       absl::Time now) const;

 private:
  std::string Mac(absl::string_view text) const;

  const std::string secret_;
  const absl::Duration lifetime_;
};

// The secret that signs session tokens: MFGATE_SESSION_SECRET from `env`,
// else the contents of `file` (surrounding whitespace removed), else 32
// random bytes of this process (then its tokens are good on this replica
// only, and `*generated` is set). A secret shorter than kMinSecretBytes, or
// a file that cannot be read, is an error.
absl::StatusOr<std::string> LoadSessionSecret(const config::Environment& env,
                                              const std::string& file,
                                              bool* generated);

// The sessions a replica has seen deleted, kept until their tokens expire:
// at most kMaxEntries (beyond, those that expire soonest are forgotten
// first, and may be used again on this replica until they expire).
class RevokedSessions {
 public:
  static constexpr size_t kMaxEntries = 100000;

  void Revoke(const std::string& session, absl::Time expires);
  bool Revoked(const std::string& session, absl::Time now);

 private:
  absl::Mutex mu_;
  std::map<std::string, absl::Time> revoked_ ABSL_GUARDED_BY(mu_);
  std::multimap<absl::Time, std::string> by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mfgate::auth

#endif  // MFGATE_GATEWAY_AUTH_SESSION_TOKEN_H_
